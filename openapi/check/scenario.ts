// One whole scenario walked through a client generated from the contract
// (openapi-typescript types with openapi-fetch), with no hand-written HTTP:
// a person, an application, an assessment, the needs, a match, an order
// its provider accepts, delivers and completes, feedback, a list followed
// by its cursor, and a download. Run by scripts/client-scenario.sh against
// a demo server; any contract defect fails it (or fails tsc first).
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/jiuzhu";

// Node's process, without pulling in @types/node.
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

type Schemas = components["schemas"];
const baseUrl = process.env.JIUZHU_URL ?? "http://127.0.0.1:18096";
const password = process.env.JIUZHU_ADMIN_PASSWORD ?? "";
const demoPassword = process.env.JIUZHU_DEMO_PASSWORD ?? "";

function check(condition: unknown, what: string, detail?: unknown): asserts condition {
  if (!condition) {
    throw new Error(`${what}${detail === undefined ? "" : `: ${JSON.stringify(detail)}`}`);
  }
}

/// The answer's data, or the problem it carried.
function ok<T>(answer: { data?: T; error?: unknown; response: Response }, what: string): T {
  check(answer.data !== undefined && answer.response.ok, `${what} answered ${answer.response.status}`, answer.error);
  return answer.data;
}

/// A valid resident ID number (GB 11643) born on `birth` (YYYYMMDD) with a sequence.
function citizenId(region: string, birth: string, sequence: number): string {
  const first17 = `${region}${birth}${String(sequence).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((total, digit, i) => total + Number(digit) * weights[i], 0);
  return first17 + "10X98765432"[sum % 11];
}

async function login(username: string, secret: string): Promise<ReturnType<typeof createClient<paths>>> {
  const anonymous = createClient<paths>({ baseUrl });
  const token = ok(await anonymous.POST("/api/v1/auth/token", { body: { grant_type: "password", username, password: secret } }), "login");
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token.access_token}` } });
}

async function main(): Promise<void> {
  const admin = await login("admin", password);
  const stamp = Date.now() % 1000;
  const today = new Date().toISOString().slice(0, 10);

  // A person on the service target list, and a one-form application.
  const person = ok(
    await admin.POST("/api/v1/beneficiaries", {
      body: {
        name: "客户端演练（演示）",
        id_number: citizenId("640202", "19450310", stamp),
        region_code: "640202001001",
        address: "演练社区（演示）",
        categories: [{ category: "subsistence_allowance", valid_from: "2024-01-01" }],
        groups: ["living_alone"],
      },
    }),
    "register a person",
  );
  const application = ok(
    await admin.POST("/api/v1/applications", {
      body: {
        channel: "walk_in",
        beneficiary_id: person.id,
        consent: { given: true, date: today, method: "written" },
        items: [{ kind: "service", service_code: "meals" }],
      },
    }),
    "file an application",
  );
  check(application.status === "submitted", "a new application is submitted", application);

  // An assessment, scored on every indicator the enumerations list; its needs follow.
  const enums = ok(await admin.GET("/api/v1/enums"), "enumerations");
  const indicators = enums["indicator"];
  check(indicators && indicators.length > 0, "the enumerations list the assessment indicators", Object.keys(enums));
  const assessment = ok(
    await admin.POST("/api/v1/assessments", {
      body: {
        beneficiary_id: person.id,
        assessed_on: today,
        scores: indicators.map((value: Schemas["EnumValue"]) => ({ indicator: value.code, level: value.code === "family_structure" ? 3 : 1, evidence: "入户核实（演练）" })),
      },
    }),
    "assess the person",
  );
  const needs = ok(await admin.GET("/api/v1/needs", { params: { query: { beneficiary_id: person.id } } }), "the person's needs");
  check(needs.items.length > 0, "the assessment identified needs", assessment);

  // A local service the provider runs on its own money, so no contract is needed, and a match for it.
  const code = `drill_${stamp}`;
  ok(
    await admin.POST("/api/v1/services", {
      body: { code, category: "caring", name_zh: "演练上门陪伴", name_en: "Drill companionship", unit: "per_visit", government_funded: false },
    }),
    "add a local service",
  );
  const providers = ok(await admin.GET("/api/v1/providers", { params: { query: { limit: 50 } } }), "providers");
  const provider = providers.items.find((p: Schemas["ProviderView"]) => p.name.startsWith("示范爱心助老服务中心"));
  check(provider, "the demo provider is listed", providers.items.map((p: Schemas["ProviderView"]) => p.name));
  const read = await admin.GET("/api/v1/providers/{id}", { params: { path: { id: provider.id } } });
  const offered = ok(
    await admin.PATCH("/api/v1/providers/{id}", {
      params: { path: { id: provider.id }, header: { "If-Match": read.response.headers.get("ETag") ?? "" } },
      body: { service_codes: [...ok(read, "the provider").service_codes, code], monthly_capacity: { ...ok(read, "the provider").monthly_capacity, [code]: 100 } },
      headers: { "Content-Type": "application/merge-patch+json" },
    }),
    "offer the service",
  );
  check(offered.service_codes.includes(code), "the provider offers the new service", offered);
  const matched = ok(await admin.POST("/api/v1/matches", { body: { beneficiary_id: person.id, service_code: code } }), "match");
  check(matched.candidates.some((c: Schemas["Ranked"]) => c.id === provider.id), "the provider is a candidate", matched);

  // The order, as the provider sees and works it.
  const order = ok(
    await admin.POST("/api/v1/service-orders", {
      body: { beneficiary_id: person.id, service_code: code, provider_id: provider.id, scheduled_for: today, quantity: 2 },
    }),
    "order the service",
  );
  const worker = await login("demo-provider", demoPassword);
  const path = { id: order.id };
  const accepted = ok(
    await worker.POST("/api/v1/service-orders/{id}/accept", { params: { path, header: { "If-Match": `"${order.version}"` } } }),
    "the provider accepts",
  );
  ok(
    await worker.POST("/api/v1/service-orders/{id}/deliveries", {
      params: { path },
      body: { started_at: `${today}T09:00:00+08:00`, ended_at: `${today}T10:00:00+08:00`, worker: "刘社工（演练）", quantity: 1 },
    }),
    "record a delivery",
  );
  const started = ok(
    await worker.POST("/api/v1/service-orders/{id}/start", { params: { path, header: { "If-Match": `"${accepted.version}"` } } }),
    "start the service",
  );
  ok(
    await admin.POST("/api/v1/service-orders/{id}/feedback", {
      params: { path },
      body: { satisfaction: 5, comment: "很满意（演练）", channel: "phone", collected_by: "协理员" },
    }),
    "record feedback",
  );
  const completed = ok(
    await worker.POST("/api/v1/service-orders/{id}/complete", { params: { path, header: { "If-Match": `"${started.version}"` } } }),
    "complete the order",
  );
  check(completed.status === "completed", "the order is completed", completed);

  // A list followed by its cursor: two pages, no person twice.
  const first = ok(await admin.GET("/api/v1/beneficiaries", { params: { query: { limit: 2 } } }), "the first page");
  check(first.next_cursor, "a two-person page of the demo list has a next cursor", first);
  const second = ok(await admin.GET("/api/v1/beneficiaries", { params: { query: { limit: 2, cursor: first.next_cursor } } }), "the next page");
  const ids = [...first.items, ...second.items].map((p: Schemas["BeneficiaryView"]) => p.id);
  check(new Set(ids).size === ids.length && second.items.length > 0, "the cursor moves on", ids);

  // A download: the service target list as XLSX, as bytes.
  const download = await admin.GET("/api/v1/exports/service-targets", { params: { query: { format: "xlsx" } }, parseAs: "arrayBuffer" });
  const bytes = new Uint8Array(ok(download, "the XLSX export"));
  check(bytes[0] === 0x50 && bytes[1] === 0x4b, "the export is a ZIP (XLSX) file", Array.from(bytes.slice(0, 4)));

  console.log(
    `client scenario: person ${person.id}, application ${application.id}, assessment ${assessment.id} with ${needs.items.length} needs, ` +
      `order ${order.id} ${completed.status}; ${ids.length} people over two pages; a ${bytes.length}-byte XLSX`,
  );
}

main().catch((error: unknown) => {
  console.error(`client scenario failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
