//! The guidance catalogue of Annex 1 (服务项目清单): 32 services in three
//! categories, with the stable codes every part of jiuzhu uses. The source
//! prints item 29 as "39"; it is item 29.

crate::coded_enum! {
    /// The three categories of the guidance catalogue.
    pub enum ServiceCategory as "service_category" {
        Care = "care", "照护服务类", "Care";
        DailyLiving = "daily_living", "生活服务类", "Daily living";
        Caring = "caring", "关爱服务类", "Caring";
    }
}

use ServiceCategory::{Care, Caring, DailyLiving};

/// `(number, code, category, 中文名, English name)`.
pub type CatalogueEntry = (u8, &'static str, ServiceCategory, &'static str, &'static str);

pub const GUIDANCE_CATALOGUE: [CatalogueEntry; 32] = [
    (1, "visits", Care, "走访探视", "Visits"),
    (2, "health_record", Care, "健康档案", "Health record"),
    (3, "check_ups", Care, "定期体检", "Check-ups"),
    (4, "mental_rehabilitation", Care, "精神康复", "Mental rehabilitation"),
    (5, "medical_escort", Care, "就医陪护", "Medical escort"),
    (6, "respite", Care, "喘息服务", "Respite care"),
    (7, "hospice", Care, "临终关怀", "Hospice care"),
    (8, "rare_disease_follow_up", Care, "罕见病对象跟踪", "Rare-disease follow-up"),
    (9, "rehabilitation_training", Care, "康复训练", "Rehabilitation training"),
    (10, "foot_care", Care, "修脚服务", "Foot care"),
    (11, "temporary_custody", Care, "临时托管", "Temporary custody"),
    (12, "emergency_call", Care, "安全呼叫", "Emergency call"),
    (13, "meals", DailyLiving, "助餐服务", "Meals"),
    (14, "bathing", DailyLiving, "助浴服务", "Bathing"),
    (15, "cleaning", DailyLiving, "助洁服务", "Cleaning"),
    (16, "mobility", DailyLiving, "助行服务", "Mobility"),
    (17, "health_services", DailyLiving, "健康服务", "Health services"),
    (18, "companionship", DailyLiving, "陪伴服务", "Companionship"),
    (19, "haircut", DailyLiving, "理发服务", "Haircut"),
    (20, "repairs", DailyLiving, "维修服务", "Repairs"),
    (21, "moving", DailyLiving, "搬家服务", "Moving"),
    (22, "errands", DailyLiving, "代办服务", "Errands"),
    (23, "psychological_counselling", Caring, "心理疏导", "Psychological counselling"),
    (24, "social_integration", Caring, "社会融入", "Social integration"),
    (25, "capacity_building", Caring, "能力提升", "Capacity building"),
    (26, "ecommerce_sales", Caring, "电商代销", "E-commerce sales"),
    (27, "carer_training", Caring, "家庭照顾者培训", "Carer training"),
    (28, "legal_services", Caring, "法律服务", "Legal services"),
    (29, "policy_outreach", Caring, "政策宣传", "Policy outreach"),
    (30, "family_guidance", Caring, "家庭辅导", "Family guidance"),
    (31, "age_friendly_renovation", Caring, "适老化改造", "Age-friendly renovation"),
    (32, "residential_elderly_care", Caring, "养老服务", "Residential elderly care"),
];

pub fn find(code: &str) -> Option<&'static CatalogueEntry> {
    GUIDANCE_CATALOGUE.iter().find(|entry| entry.1 == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_run_one_to_thirty_two_with_unique_codes() {
        for (index, entry) in GUIDANCE_CATALOGUE.iter().enumerate() {
            assert_eq!(usize::from(entry.0), index + 1);
        }
        let mut codes: Vec<_> = GUIDANCE_CATALOGUE.iter().map(|e| e.1).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 32);
        assert_eq!(find("policy_outreach").map(|e| e.0), Some(29), "the source's '39' is item 29");
        let per_category = |c: ServiceCategory| GUIDANCE_CATALOGUE.iter().filter(|e| e.2 == c).count();
        assert_eq!((per_category(Care), per_category(DailyLiving), per_category(Caring)), (12, 10, 10));
    }
}
