"""Schemathesis hooks for jiuzhu: an NDJSON serialiser for bulk imports,
fresh idempotency keys as a client sends them, and the check that a 422 to
a schema-valid request has a reason no schema can state."""
import json
import uuid

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """The body is text: a string goes as it is; a list becomes one row per
    line; anything else (a value of the wrong type) is written as one JSON
    line, which the server refuses unless it is an object."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    rows = value if isinstance(value, list) and value and all(isinstance(row, dict) for row in value) else [value]
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


# Idempotency keys. A real client sends a fresh `Idempotency-Key` for each
# operation it means and reuses it only to retry that same request; the same
# key with another body is answered 422 by design (IETF draft
# httpapi-idempotency-key-header). Generated data reuses keys across
# different bodies, so each call that carries a well-formed key gets a
# fresh one as it is generated, as a client would. Malformed keys are left
# as generated: they test the header's own validation.
IDEMPOTENCY_KEY = "Idempotency-Key"


@schemathesis.hook
def map_headers(ctx, headers):
    key = (headers or {}).get(IDEMPOTENCY_KEY)
    if isinstance(key, str) and 1 <= len(key) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in key):
        headers = dict(headers, **{IDEMPOTENCY_KEY: str(uuid.uuid4())})
    return headers


# Why a schema-valid request may still be refused with 422, and no schema
# can say so: the reason depends on stored data or on a checksum, or on two
# fields together. `positive_data_acceptance` is configured (in
# schemathesis.toml) to accept 422; this check takes its place for 422 and
# fails unless every reason the server gives is one of these. A reason the
# schema could state (a length, a range, a pattern, a fixed set of values)
# fails the run, and the fix is in the spec.
UNSTATABLE_REASONS = {
    # A reference to a record that does not exist (or not in the caller's
    # area), or to an entry of a table the API itself edits (the service
    # catalogue, assessment models' indicators, evaluation schemes).
    "beneficiary_unknown", "bid_unknown", "contract_unknown", "delivery_unknown", "department_unknown",
    # A contract's services against its project's, a ledger entry's against its contract's.
    "service_outside_project", "service_outside_contract",
    "indicator_unknown", "need_unknown", "project_unknown", "provider_unknown", "region_unknown",
    "scheme_unknown", "service_unknown", "volunteer_unknown",
    # A cursor the server never issued: only a previous page has a valid one.
    "cursor_invalid",
    # Two fields or items together, which the fields' descriptions state:
    # a field that applies, or is required, only with another's value (a
    # support mode only for extreme poverty, a disability level only with
    # the disabled group, a matter only on a transfer item, a need or a
    # person with a service, a registered person or a new applicant, a
    # capacity only for an offered service); dates in order; weights and
    # criteria that sum to a total; thresholds and grades in order; funding
    # that adds up to the budget; a member or a category listed twice; a
    # series no longer than its granularity allows; a score sheet covering every indicator of the
    # stored scheme; indicator codes unique across a scheme's tree; a
    # member listed with the relationship `head`, which is named apart by
    # `head_beneficiary_id` (the relationship type is shared with the head's
    # own membership, so the schema lists `head` among its values).
    "not_applicable", "required", "not_allowed", "target_choice", "applicant_choice", "not_offered",
    "date_order", "before_from", "weights_sum", "criteria_sum", "thresholds_order", "grades_order",
    "funding_mismatch", "member_duplicate", "category_duplicate", "too_many_periods",
    "indicator_missing", "indicator_duplicate", "head_is_separate",
    # A contract's settlement term: instalment shares that add up to the
    # price, one final balance, each payment kind released by an event it
    # allows; a service listed twice.
    "shares_do_not_add_up", "one_final_instalment", "release_not_allowed", "service_duplicate",
    # The accounts seated on a bid panel or an evaluation group, against the
    # accounts table: an active user, whose role signs sheets, working in the
    # record's region or above, seated once.
    "account_unknown", "cannot_sign", "outside_region", "seat_duplicate",
    # A person named on an item, against the stored households.
    "not_a_household_member",
    # Against today's date.
    "in_future",
    # Against the caller's area or the stored region tree: a region outside
    # the caller's scope, a region of the wrong level for the record (people
    # live in townships and villages, funds are held by the city or a
    # county).
    "region_outside_scope", "region_level", "funding_region", "provider_outside_scope",
    # Against the caller's own rights: a role is granted only by a holder
    # of every one of its permissions.
    "role_above_grantor",
    # Against the network a webhook's host is on (the operator's allowed
    # networks): a host in any spelling of a loopback, private or reserved
    # address, or a localhost name.
    "url_not_public",
    # Inside an upload's text, which the contract declares as text and
    # describes in words: a CSV header naming an unknown column, lacking a
    # required one or unreadable, an upload with no rows, NDJSON whose first
    # line is not a JSON object or not a person's row.
    "unknown_column", "column_missing", "csv_header", "no_rows", "not_ndjson", "not_a_row",
    # U+0000 in text, which PostgreSQL's text type cannot hold; the API's
    # description states it once instead of a pattern on every string.
    "nul_character",
    # Check digits (GB 11643 ID numbers, GB 32100 credit codes) and the
    # calendar dates inside ID numbers.
    "citizen_id_checksum", "citizen_id_birth_date", "credit_code_checksum",
}


def _reasons(response):
    try:
        body = response.json()
    except Exception:
        return None
    if not isinstance(body, dict) or body.get("code") != "validation_failed":
        return None
    return [error.get("code") for error in body.get("errors", []) if isinstance(error, dict)]


@schemathesis.check
def validation_is_stated_in_the_schema(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    reasons = _reasons(response)
    if reasons is None:
        return None  # a business rule (type business-rule): state, not shape
    statable = sorted(set(reasons) - UNSTATABLE_REASONS)
    if statable:
        raise AssertionError(
            f"Schema-valid data was refused for reasons the schema could state: {', '.join(statable)}; "
            f"state them in the spec ({response.text[:300]})"
        )
    return None
