import { Placeholder } from "../common/Placeholder";

export function EvidenceView() {
  return (
    <Placeholder
      title="Evidence"
      items={["Holds on footage past retention", "Exhibits with police references", "Signed export bundles and their verification", "Audit of who viewed and exported what"]}
    />
  );
}
