//! The OCDS 1.1 release package as types, so the contract describes what is
//! published: the parts of the release schema jiuzhu fills, the bids
//! extension (`bids`, `awards[].relatedBid`) and jiuzhu's own bid evaluation
//! extension (`bids.details[].evaluation`, schema in `schemas/`). Fields
//! without a value are left out, as OCDS asks, never sent empty.

use serde::Serialize;
use utoipa::ToSchema;

/// An amount in yuan, as OCDS writes money. jiuzhu keeps fen; the yuan
/// number is made here from whole fen, exact below 2^53 fen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct OcdsAmount {
    #[schema(example = 1234.5)]
    pub amount: f64,
    /// Always `CNY`.
    pub currency: &'static str,
}

impl OcdsAmount {
    pub fn of_fen(fen: i64) -> OcdsAmount {
        OcdsAmount { amount: fen as f64 / 100.0, currency: "CNY" }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcdsReleasePackage {
    pub uri: String,
    /// `1.1`.
    pub version: &'static str,
    pub published_date: String,
    pub publisher: OcdsPublisher,
    pub license: String,
    pub publication_policy: String,
    /// The extensions' `extension.json` addresses.
    pub extensions: Vec<String>,
    pub releases: Vec<OcdsRelease>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsPublisher {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcdsRelease {
    pub ocid: String,
    pub id: String,
    pub date: String,
    /// `planning`, `tender`, `award`, `contract`, `implementation`, or
    /// `tenderUpdate` for a failed or cancelled tender.
    pub tag: Vec<&'static str>,
    /// `zh`.
    pub language: &'static str,
    /// `tender`.
    pub initiation_type: &'static str,
    pub parties: Vec<OcdsParty>,
    pub buyer: OcdsOrganizationReference,
    pub planning: OcdsPlanning,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tender: Option<OcdsTender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bids: Option<OcdsBids>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub awards: Vec<OcdsAward>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<OcdsContract>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsOrganizationReference {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsParty {
    pub id: String,
    pub name: String,
    /// OCDS party roles: `buyer`, `procuringEntity`, `payer`, `tenderer`, `supplier`, `payee`.
    pub roles: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<OcdsIdentifier>,
}

/// A provider's unified social credit code (统一社会信用代码).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcdsIdentifier {
    /// `CN-USCC`.
    pub scheme: &'static str,
    pub id: String,
    pub legal_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsPlanning {
    pub budget: OcdsBudget,
    /// Why the services are bought: whom they serve, in words.
    pub rationale: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsBudget {
    pub amount: OcdsAmount,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcdsTender {
    pub id: String,
    pub title: String,
    /// `active`, `complete`, `unsuccessful` (流标) or `cancelled`.
    pub status: &'static str,
    /// Why a tender was unsuccessful.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_details: Option<String>,
    /// `services`.
    pub main_procurement_category: &'static str,
    pub items: Vec<OcdsItem>,
    pub procurement_method: &'static str,
    /// The statutory Chinese name of the method.
    pub procurement_method_details: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procurement_method_rationale: Option<String>,
    /// `ratedCriteria`.
    pub award_criteria: &'static str,
    pub award_criteria_details: String,
    pub value: OcdsAmount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility_criteria: Option<String>,
    pub tender_period: OcdsPeriod,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_tenderers: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tenderers: Vec<OcdsOrganizationReference>,
}

/// One service bought, classified by its catalogue code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsItem {
    pub id: String,
    pub description: String,
    pub classification: OcdsClassification,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<OcdsUnit>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsClassification {
    /// `X-JIUZHU-SERVICE`: the guidance catalogue's codes and the city's local services.
    pub scheme: &'static str,
    pub id: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsUnit {
    pub name: &'static str,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcdsPeriod {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
}

/// The bids extension's section: counts and each bid.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsBids {
    pub statistics: Vec<OcdsBidStatistic>,
    pub details: Vec<OcdsBid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsBidStatistic {
    pub id: String,
    /// From the bidStatistics codelist: `bids`, `validBids`, `lowestValidBidValue`, `highestValidBidValue`.
    pub measure: &'static str,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsBid {
    pub id: String,
    pub date: String,
    /// From the bidStatus codelist: `valid` once scored and ranked, else `pending`.
    pub status: &'static str,
    pub tenderers: Vec<OcdsOrganizationReference>,
    pub value: OcdsAmount,
    /// The panel's scores (jiuzhu's bid evaluation extension), once ranked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<OcdsBidEvaluation>,
}

/// The bid evaluation extension: the scores of the rated criteria, in
/// points out of 100, and the bid's rank (1 is the highest total).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcdsBidEvaluation {
    pub rank: u32,
    pub price_score: f64,
    pub capability_score: f64,
    pub quality_score: f64,
    pub other_score: f64,
    /// The weighted total.
    pub total_score: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcdsAward {
    pub id: String,
    /// `active`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub value: OcdsAmount,
    pub suppliers: Vec<OcdsOrganizationReference>,
    /// The bid awarded (bids extension).
    pub related_bid: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcdsContract {
    pub id: String,
    #[serde(rename = "awardID")]
    pub award_id: String,
    /// `active`, `terminated` (finished) or `cancelled`.
    pub status: &'static str,
    pub date_signed: String,
    pub value: OcdsAmount,
    pub period: OcdsPeriod,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation: Option<OcdsImplementation>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsImplementation {
    pub transactions: Vec<OcdsTransaction>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcdsTransaction {
    pub id: String,
    pub date: String,
    pub value: OcdsAmount,
    pub payer: OcdsOrganizationReference,
    pub payee: OcdsOrganizationReference,
    pub uri: String,
}
