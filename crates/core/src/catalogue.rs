//! The guidance catalogue of Annex 1 (服务项目清单): 32 services in three
//! categories, with the stable codes every part of jiuzhu uses. The source
//! prints item 29 as "39"; it is item 29.

/// `(number, code, category, 中文名, English name)`.
pub type CatalogueEntry = (u8, &'static str, &'static str, &'static str, &'static str);

pub const GUIDANCE_CATALOGUE: [CatalogueEntry; 32] = [
    (1, "visits", "care", "走访探视", "Visits"),
    (2, "health_record", "care", "健康档案", "Health record"),
    (3, "check_ups", "care", "定期体检", "Check-ups"),
    (4, "mental_rehabilitation", "care", "精神康复", "Mental rehabilitation"),
    (5, "medical_escort", "care", "就医陪护", "Medical escort"),
    (6, "respite", "care", "喘息服务", "Respite care"),
    (7, "hospice", "care", "临终关怀", "Hospice care"),
    (8, "rare_disease_follow_up", "care", "罕见病对象跟踪", "Rare-disease follow-up"),
    (9, "rehabilitation_training", "care", "康复训练", "Rehabilitation training"),
    (10, "foot_care", "care", "修脚服务", "Foot care"),
    (11, "temporary_custody", "care", "临时托管", "Temporary custody"),
    (12, "emergency_call", "care", "安全呼叫", "Emergency call"),
    (13, "meals", "daily_living", "助餐服务", "Meals"),
    (14, "bathing", "daily_living", "助浴服务", "Bathing"),
    (15, "cleaning", "daily_living", "助洁服务", "Cleaning"),
    (16, "mobility", "daily_living", "助行服务", "Mobility"),
    (17, "health_services", "daily_living", "健康服务", "Health services"),
    (18, "companionship", "daily_living", "陪伴服务", "Companionship"),
    (19, "haircut", "daily_living", "理发服务", "Haircut"),
    (20, "repairs", "daily_living", "维修服务", "Repairs"),
    (21, "moving", "daily_living", "搬家服务", "Moving"),
    (22, "errands", "daily_living", "代办服务", "Errands"),
    (23, "psychological_counselling", "caring", "心理疏导", "Psychological counselling"),
    (24, "social_integration", "caring", "社会融入", "Social integration"),
    (25, "capacity_building", "caring", "能力提升", "Capacity building"),
    (26, "ecommerce_sales", "caring", "电商代销", "E-commerce sales"),
    (27, "carer_training", "caring", "家庭照顾者培训", "Carer training"),
    (28, "legal_services", "caring", "法律服务", "Legal services"),
    (29, "policy_outreach", "caring", "政策宣传", "Policy outreach"),
    (30, "family_guidance", "caring", "家庭辅导", "Family guidance"),
    (31, "age_friendly_renovation", "caring", "适老化改造", "Age-friendly renovation"),
    (32, "residential_elderly_care", "caring", "养老服务", "Residential elderly care"),
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
        let per_category = |c: &str| GUIDANCE_CATALOGUE.iter().filter(|e| e.2 == c).count();
        assert_eq!((per_category("care"), per_category("daily_living"), per_category("caring")), (12, 10, 10));
    }
}
