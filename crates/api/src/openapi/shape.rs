//! Passes that make the document say what the server does: ETags on the
//! reads of versioned resources, honest compositions, the book kinds of a
//! contract entry, and links from a created resource to its reads.

use super::*;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi as Document, Ref, RefOr};

/// The path of the resource an `If-Match` operation changes: the path
/// itself, or its parent when the last segment names an action
/// (`/discoveries/{id}/verify` changes `/discoveries/{id}`).
pub(crate) fn versioned_resource(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((parent, last)) if !last.starts_with('{') && parent.ends_with('}') => parent,
        _ => path,
    }
}

/// Every read of a versioned resource answers its version as `ETag`
/// (`with_etag`), which its updates need as `If-Match`; this documents the
/// header on the 200 of each such GET, once, instead of on each operation.
pub(crate) fn document_etags(document: &mut Document) {
    let has_if_match = |operation: &Operation| {
        operation.parameters.as_ref().is_some_and(|ps| ps.iter().any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match")))
    };
    let versioned: std::collections::BTreeSet<String> = document
        .paths
        .paths
        .iter()
        .filter(|(_, item)| operations(item).any(has_if_match))
        .map(|(path, _)| versioned_resource(path).to_string())
        .collect();
    for path in versioned {
        let Some(read) = document.paths.paths.get_mut(&path).and_then(|item| item.get.as_mut()) else { continue };
        let Some(RefOr::T(ok)) = read.responses.responses.get_mut("200") else { continue };
        ok.headers.entry("ETag".into()).or_insert_with(|| {
            RefOr::T(
                utoipa::openapi::HeaderBuilder::new()
                    .schema(Some(utoipa::openapi::schema::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String)))
                    .description(Some("The resource's version, quoted; send it as If-Match to change it"))
                    .build(),
            )
        });
    }
}

/// Two corrections to what utoipa derives, so responses validate against
/// their schemas: a flattened input struct keeps its `additionalProperties:
/// false` inside `allOf`, which then rejects the view's own fields; and a
/// serde-untagged enum becomes `oneOf`, which rejects a value (such as `[]`)
/// that fits more than one variant. `allOf` members lose the flag, and
/// `oneOf` without a discriminator becomes `anyOf`.
pub(crate) fn make_composition_honest(document: &mut Document) {
    use utoipa::openapi::schema::{AnyOf, Schema};
    let Some(components) = document.components.as_mut() else { return };
    for schema in components.schemas.values_mut() {
        let RefOr::T(schema) = schema else { continue };
        match schema {
            Schema::AllOf(all_of) => {
                for member in &mut all_of.items {
                    if let RefOr::T(Schema::Object(object)) = member {
                        object.additional_properties = None;
                    }
                }
            }
            Schema::OneOf(one_of) if one_of.discriminator.is_none() => {
                let mut any_of = AnyOf::new();
                any_of.items = std::mem::take(&mut one_of.items);
                any_of.description = one_of.description.take();
                any_of.example = one_of.example.take();
                any_of.examples = std::mem::take(&mut one_of.examples);
                *schema = Schema::AnyOf(any_of);
            }
            _ => {}
        }
    }
}

/// The three books of a contract share one input, whose `kind` each book
/// narrows (`contracts::allowed_kinds`). Each book's operation gets its own
/// copy of the schema, with `kind` as that book's values and the examples
/// that fit it, so the contract states what the server accepts.
pub(crate) fn narrow_book_kinds(document: &mut Document) {
    use jiuzhu_procurement::contracts::{Book, allowed_kinds};
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    let Some(components) = document.components.as_mut() else { return };
    let Some(RefOr::T(Schema::Object(shared))) = components.schemas.remove("EntryInput") else { return };
    let books = [
        (Book::Ledger, "/api/v1/contracts/{id}/ledger", "LedgerEntryInput"),
        (Book::Supervision, "/api/v1/contracts/{id}/supervisions", "SupervisionInput"),
        (Book::Payment, "/api/v1/contracts/{id}/payments", "PaymentInput"),
    ];
    for (book, path, name) in books {
        let kinds = allowed_kinds(book);
        let mut schema = shared.clone();
        let kind = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(kinds.iter().copied()))
            .description(Some("What the entry records."));
        schema.properties.insert("kind".into(), RefOr::T(Schema::Object(kind.build())));
        schema.examples.retain(|example| example["kind"].as_str().is_some_and(|k| kinds.contains(&k)));
        components.schemas.insert(name.into(), RefOr::T(Schema::Object(schema)));
        if let Some(RefOr::T(body)) =
            document.paths.paths.get_mut(path).and_then(|item| item.post.as_mut()).and_then(|op| op.request_body.as_mut())
        {
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                content.schema = Some(RefOr::Ref(Ref::from_schema_name(name)));
            }
        }
    }
}

/// OpenAPI links from each create to what can be done with what it made:
/// a `POST X` answering 201 links to every operation on `X/{id}` and below
/// (those whose only path parameter is `id`), passing the new record's `id`
/// and, where the operation takes `If-Match`, its `ETag`. Client generators
/// and the fuzzer's stateful phase follow them: create, read, update, act.
pub(crate) fn link_created_resources(document: &mut Document) {
    use utoipa::openapi::link::LinkBuilder;
    let only_id = |path: &str| path.matches('{').count() == 1;
    let mut targets: Vec<(String, String, bool)> = Vec::new();
    for (path, item) in &document.paths.paths {
        for operation in operations(item) {
            let takes_if_match = operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match"));
            if let Some(id) = &operation.operation_id
                && only_id(path)
            {
                targets.push((path.clone(), id.clone(), takes_if_match));
            }
        }
    }
    for (path, item) in document.paths.paths.iter_mut() {
        let Some(created) = item.post.as_mut().and_then(|post| post.responses.responses.get_mut("201")) else { continue };
        let RefOr::T(created) = created else { continue };
        let record = format!("{path}/{{id}}");
        for (target, operation_id, takes_if_match) in &targets {
            if target != &record && !target.starts_with(&format!("{record}/")) {
                continue;
            }
            let mut link = LinkBuilder::new().operation_id(operation_id.clone()).parameter("id", "$response.body#/id");
            if *takes_if_match {
                link = link.parameter("header.If-Match", "$response.header.ETag");
            }
            created.links.insert(operation_id.clone(), RefOr::T(link.build()));
        }
    }
}
