import { Panel } from "./StateOverlay";

/** A screen reserved for a later issue, saying what will come. */
export function Placeholder({ title, items }: { title: string; items: string[] }) {
  return (
    <div className="page">
      <Panel title={title}>
        <p className="muted">Coming with its own issue:</p>
        <ul>
          {items.map((i) => (
            <li key={i}>{i}</li>
          ))}
        </ul>
      </Panel>
    </div>
  );
}
