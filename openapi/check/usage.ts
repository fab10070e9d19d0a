// What a front-end team writes against the generated types. If the contract
// loses an operation, a field or an enum value used here, `tsc` fails.
import type { components, operations, paths } from "./generated/jiuzhu";

type Schemas = components["schemas"];
type Json<Op extends keyof operations, Status extends number> = operations[Op]["responses"] extends Record<
  Status,
  { content: { "application/json": infer Body } }
>
  ? Body
  : never;

// Request bodies are typed, with their required fields.
const application: Schemas["CreateApplication"] = {} as Schemas["CreateApplication"];
const webhook: Schemas["CreateWebhook"] = {
  url: "https://edu.example.gov.cn/jiuzhu/events",
  secret: "4b1f0c2e9d7a4e5f8a6b3c1d2e0f9a8b",
  event_types: ["referral.created"],
};

// Lists are pages with a cursor.
function nextCursor(page: Json<"listBeneficiaries", 200>): string | null | undefined {
  return page.next_cursor;
}

// Problems carry a stable code and per-field errors.
function firstBadField(problem: Schemas["Problem"]): string | undefined {
  return problem.errors?.[0]?.field;
}

// Enumerations are closed unions.
const attempts = (d: Schemas["WebhookDeliveryView"]): number[] => d.attempt_log.map((a) => a.status_code ?? 0);
const method: Schemas["ProcurementMethod"] = "open_tender";
const inspection: Schemas["InspectionMethod"] = (["unannounced_visit"] as Schemas["InspectionMethod"][])[0];

// Paths and their parameters are typed too.
type BeneficiaryQuery = paths["/api/v1/beneficiaries"]["get"]["parameters"]["query"];
const query: BeneficiaryQuery = { limit: 50 };

export { application, webhook, nextCursor, firstBadField, attempts, method, inspection, query };
