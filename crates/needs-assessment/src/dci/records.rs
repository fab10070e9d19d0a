//! jiuzhu's people and households in DCI's record shapes: a person as a
//! `spdci:Member` (identifier, name, sex, registration), a household as a
//! `spdci:Group` with its head and members. Names and ID numbers are
//! masked as in every registry answer; the birth date is never sent (it
//! is what a masked ID number hides). jiuzhu's own facts (categories,
//! groups, latest assessment, open needs) travel as `additional_attributes`.

use crate::registry::LatestAssessment;
use jiuzhu_core::mask::Pii;
use jiuzhu_intake::beneficiaries::{BeneficiaryView, CategoryRecord, Group};
use jiuzhu_intake::households::{HouseholdMembers, Relationship};
use serde_json::{Value, json};

/// Labels in Chinese for `zho`, in English otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    Chinese,
    English,
}

impl Labels {
    pub fn for_locale(locale: Option<&str>) -> Self {
        if locale == Some("zho") { Labels::Chinese } else { Labels::English }
    }

    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        if self == Labels::Chinese { zh } else { en }
    }
}

/// What jiuzhu knows of a person beyond the list row.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub assessment: Option<LatestAssessment>,
    pub open_needs: u64,
}

fn identifier(id_number: &str) -> Value {
    json!([{"@type": "Identifier", "identifier_type": "NationalID", "identifier_value": id_number}])
}

/// A Chinese name as DCI's `Name`: the surname is its first character (a
/// two-character surname such as 欧阳 is split after its first).
fn name(full: &str) -> Value {
    let mut chars = full.chars();
    let surname: String = chars.next().into_iter().collect();
    json!({"@type": "Name", "surname": surname, "given_name": chars.as_str()})
}

fn categories(records: &[CategoryRecord], labels: Labels) -> Value {
    records
        .iter()
        .map(|c| {
            json!({"code": c.category.code(), "label": labels.pick(c.category.label_zh(), c.category.label_en()),
                   "valid_from": c.valid_from, "valid_to": c.valid_to})
        })
        .collect()
}

fn groups(codes: &[String], labels: Labels) -> Value {
    codes
        .iter()
        .map(|code| match Group::from_code(code) {
            Some(g) => json!({"code": code, "label": labels.pick(g.label_zh(), g.label_en())}),
            None => json!({"code": code}),
        })
        .collect()
}

/// A person as a DCI member.
pub fn member(person: &BeneficiaryView, facts: &Facts, relationship: Option<Relationship>, labels: Labels) -> Value {
    let assessment = facts.assessment.as_ref().map(|a| json!({"degree": a.degree.code(), "assessed_on": a.assessed_on}));
    let mut record = json!({
        "@type": "spdci:Member",
        "@id": format!("urn:jiuzhu:beneficiary:{}", person.id),
        "member_identifier": identifier(&person.id_number),
        "demographic_info": {
            "@type": "SRPerson",
            "identifier": identifier(&person.id_number),
            "name": name(&Pii::Masked.name(&person.name)),
            "sex": person.gender.code(),
            "address": {"@type": "Address", "region_code": person.region_code},
            "registration_date": person.created_at,
        },
        "is_disabled": person.groups.iter().any(|g| g == Group::Disabled.code()),
        "registration_date": person.created_at,
        "last_updated": person.updated_at,
        "additional_attributes": [
            {"name": "status", "value": person.status.code()},
            {"name": "categories", "value": categories(&person.categories, labels)},
            {"name": "groups", "value": groups(&person.groups, labels)},
            {"name": "assessment", "value": assessment},
            {"name": "open_needs", "value": facts.open_needs},
        ],
    });
    if let Some(relationship) = relationship {
        record["relationship_head"] = json!(relationship.code());
    }
    record
}

/// A household as a DCI group: its head and every member in the caller's region.
pub fn group(household: &HouseholdMembers, facts: impl Fn(&BeneficiaryView) -> Facts, labels: Labels) -> Value {
    let members: Vec<Value> = household.members.iter().map(|(p, r)| member(p, &facts(p), Some(*r), labels)).collect();
    let head =
        household.members.iter().position(|(p, _)| p.id == household.household.head_beneficiary_id).and_then(|i| members.get(i).cloned());
    json!({
        "@type": "spdci:Group",
        "@id": format!("urn:jiuzhu:household:{}", household.household.id),
        "group_identifier": [{"@type": "Identifier", "identifier_type": "HouseholdID", "identifier_value": household.household.id}],
        "group_type": "household",
        "group_size": members.len(),
        "place": {"@type": "Place", "region_code": household.household.region_code},
        "group_head_info": head,
        "member_list": members,
        "registration_date": household.household.created_at,
        "last_updated": household.household.updated_at,
    })
}

/// A person who belongs to no household, as a group of one.
pub fn group_of_one(person: &BeneficiaryView, facts: &Facts, labels: Labels) -> Value {
    let alone = member(person, facts, Some(Relationship::Head), labels);
    json!({
        "@type": "spdci:Group",
        "group_type": "individual",
        "group_size": 1,
        "place": {"@type": "Place", "region_code": person.region_code},
        "group_head_info": alone.clone(),
        "member_list": [alone],
        "registration_date": person.created_at,
        "last_updated": person.updated_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_splits_after_its_first_character() {
        assert_eq!(name("张**"), json!({"@type": "Name", "surname": "张", "given_name": "**"}));
        assert_eq!(name(""), json!({"@type": "Name", "surname": "", "given_name": ""}));
    }

    #[test]
    fn labels_follow_the_locale() {
        assert_eq!(Labels::for_locale(Some("zho")), Labels::Chinese);
        assert_eq!(Labels::for_locale(Some("eng")), Labels::English);
        assert_eq!(Labels::for_locale(None), Labels::English);
        assert_eq!(groups(&["elderly".into()], Labels::Chinese), json!([{"code": "elderly", "label": "老年人"}]));
    }
}
