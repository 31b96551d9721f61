/** Shapes of the partners API (/api/v1/partners, /invoices, /footage-requests, /forecast). Money is pence. */

export interface Contract {
  id: number;
  organisation_id: number;
  plan_code: string;
  reference: string;
  start_on: string;
  end_on: string | null;
}

export interface Partner {
  id: number;
  name: string;
  kind: string;
  cameras: number;
  contracts: Contract[];
}

export interface UsageRow {
  camera_id: number;
  connected_hours: number;
  recorded_hours: number;
  wall_hours: number;
  storage_gb_days: number;
  ptz_minutes: number;
}

export interface AvailabilityRow {
  camera_id: number;
  uptime_pct: number;
  sla_uptime_pct: number;
  meets_sla: boolean;
}

export interface AccessRow {
  at: string;
  action: string;
  outcome: string;
  username: string | null;
  role: string | null;
  organisation: string | null;
  camera_id: number | null;
}

export interface Portal {
  partner: Partner;
  month: string;
  usage: UsageRow[];
  availability: AvailabilityRow[];
  access: AccessRow[];
}

export interface InvoiceLine {
  contract_ref: string;
  code: string;
  description: string;
  quantity: string;
  unit: string;
  unit_price_p: number;
  amount_p: number;
}

export interface Invoice {
  number: string;
  organisation_id: number;
  organisation: string;
  month: string;
  lines: InvoiceLine[];
  net_p: number;
  vat_p: number;
  total_p: number;
}

export interface FootageRequest {
  id: number;
  requester_kind: string;
  requester_name: string;
  reference: string;
  received: string;
  status: string;
  deadline_on: string;
  overdue: boolean;
  days_left: number;
  search_fee_p: number;
  supply_fee_p: number;
  identity_checked: string | null;
}

export interface YearResult {
  year: number;
  start: string;
  contracted_p: number;
  pipeline_p: number;
  total_p: number;
  cumulative_p: number;
}

export interface ScenarioResult {
  scenario: { name: string };
  years: YearResult[];
  total_p: number;
  target_p: number;
  gap_p: number;
  meets_target: boolean;
}

export interface Forecast {
  start: string;
  years: number;
  target_p: number;
  scenarios: ScenarioResult[];
}

export interface PublicCamera {
  type: "Feature";
  id: number;
  geometry: { type: "Point"; coordinates: [number, number] } | null;
  properties: {
    name: string;
    owner: string;
    site: string;
    purpose: string;
    lawful_basis: string;
    or_level: string;
    funding_source: string;
    review_due_on: string | null;
    review_overdue: boolean;
  };
}

export interface PublicRegister {
  type: "FeatureCollection";
  features: PublicCamera[];
}
