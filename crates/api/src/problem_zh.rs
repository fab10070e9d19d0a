//! Chinese problem texts, for a caller whose `Accept-Language` prefers
//! Chinese: the title of each kind of problem and one sentence per `code`
//! (problem codes and field-error codes alike). The figures behind a rule
//! stay in the problem's `details` and `errors`; a code without a sentence
//! here keeps its English detail (a test lists the codes the sources make).

/// The Chinese title of a problem kind, by its type slug.
pub fn title(slug: &str) -> Option<&'static str> {
    Some(match slug {
        "validation" => "请求校验未通过",
        "business-rule" => "违反业务规则",
        "not-found" => "未找到资源",
        "unauthenticated" => "需要登录认证",
        "forbidden" => "没有权限",
        "conflict" => "与记录的当前状态冲突",
        "precondition-required" => "需要 If-Match 请求头",
        "precondition-failed" => "记录已被修改",
        "too-many-requests" => "请求过于频繁",
        "unavailable" => "服务暂时不可用",
        "internal" => "服务器内部错误",
        "malformed-body" => "请求体不是有效的 JSON",
        "unsupported-media-type" => "不支持的媒体类型",
        "payload-too-large" => "请求体过大",
        "bad-query" => "查询参数无效",
        "bad-path" => "路径参数无效",
        "bad-header" => "请求头无效",
        "method-not-allowed" => "不允许的请求方法",
        "http" => "HTTP 错误",
        _ => return None,
    })
}

/// The Chinese sentence for `code`, if there is one.
pub fn detail(code: &str) -> Option<&'static str> {
    TEXTS.iter().find(|(known, _)| *known == code).map(|(_, text)| *text)
}

/// `(code, sentence)`: what was found and what the caller can do.
pub const TEXTS: &[(&str, &str)] = &[
    // Problems every operation may answer.
    ("validation_failed", "有字段不合格，逐项原因见 errors"),
    ("not_found", "没有这条记录，或它不在您的辖区内"),
    ("route_not_found", "没有这个接口路径"),
    ("unauthenticated", "需要有效的登录令牌（Authorization: Bearer …）"),
    ("forbidden", "您的账号没有此操作所需的权限"),
    ("if_match_required", "更新须带 If-Match 请求头，值为最近一次读取时的 ETag"),
    ("version_stale", "记录已被他人修改；请重新读取，再以新的版本重试"),
    ("rate_limited", "请求过于频繁；请在 Retry-After 所示秒数后重试"),
    ("internal_error", "服务器出错；报告问题时请提供 request_id"),
    ("database_unavailable", "数据库暂时无法访问，未作任何更改；请几秒后重试"),
    ("malformed_json", "请求体不是有效的 JSON"),
    ("unsupported_media_type", "请求体须为 application/json"),
    ("payload_too_large", "请求体超过大小上限"),
    ("bad_query", "查询字符串无法读取，逐项原因见 errors"),
    ("bad_path", "路径参数无效"),
    ("bad_header", "请求头无效"),
    ("method_not_allowed", "此路径不接受该请求方法；可用的方法见 Allow 响应头"),
    ("http_error", "HTTP 错误"),
    ("already_exists", "另一请求刚刚创建了相同的记录；请读取该记录，或稍后重试"),
    ("invalid_transition", "记录的当前状态不允许这一步；请重新读取，查看其状态和可进行的操作"),
    ("idempotency_key_reused", "此 Idempotency-Key 已用于另一个不同的请求；请换用新的键"),
    ("idempotency_key_in_flight", "使用此 Idempotency-Key 的请求仍在处理中；请稍后重试"),
    ("cursor_invalid", "游标不是本接口签发的，或查询条件已改变；请不带游标从头查询"),
    // Field and query codes.
    ("required", "必填项缺失"),
    ("range", "取值超出允许范围"),
    ("length", "长度不符合要求"),
    ("url", "不是有效的网址"),
    ("invalid_value", "取值无效"),
    ("unknown_field", "请求体含有本接口不接受的字段"),
    ("unknown_parameter", "查询含有本接口不接受的参数"),
    ("unknown_value", "不是该枚举的取值之一；取值见 /enums"),
    ("nul_character", "文本不得含有 U+0000 字符"),
    ("not_a_uuid", "须为 UUID"),
    ("not_a_date_time", "须为 RFC 3339 时间，如 2025-01-01T00:00:00+08:00"),
    ("not_a_date", "须为日期，如 2025-01-01"),
    ("not_a_boolean", "须为 true 或 false"),
    ("not_an_integer", "须为整数"),
    ("blank", "不得为空白"),
    ("in_future", "日期不得晚于今天"),
    ("date_order", "日期先后顺序不对"),
    ("before_from", "to 须晚于 from"),
    ("too_many_periods", "时间序列的区间过多；请缩小 from/to"),
    ("too_many", "数量超过上限"),
    ("amount_overflow", "金额过大"),
    // Regions, accounts and clients.
    ("region_level", "该记录须登记在乡镇（9 位代码）或村（12 位代码）"),
    ("region_outside_scope", "该行政区划不在您的辖区内"),
    ("region_unknown", "没有这个行政区划"),
    ("region_exists", "该行政区划已存在"),
    ("region_parent_missing", "上级行政区划不存在或已撤销"),
    ("region_retired", "该行政区划已因区划调整撤销，请使用承继的区划"),
    ("region_is_root", "本系统的根区划不能撤销"),
    ("demo_outside_root", "演示数据位于石嘴山市，不在本部署的根区划内"),
    ("no_villages", "根区划下还没有村（社区），请先用 jiuzhu load-regions 载入区划"),
    ("successor_level", "承继区划须是同一级别的另一个区划"),
    ("region_has_active_children", "该区划下仍有未撤销的下级区划，请先撤销或调整它们"),
    ("not_a_township", "只有乡镇（9 位代码）可以设为重点乡镇"),
    ("department_unknown", "没有这个部门"),
    ("not_applicable", "此项不适用于该记录"),
    ("role_above_grantor", "您不能管理比自己级别更高的账号"),
    ("cannot_deactivate_self", "不能停用自己的账号"),
    ("username_taken", "用户名已被占用"),
    ("already_inactive", "该记录已经停用"),
    ("account_unknown", "没有这个在用的账号"),
    ("outside_region", "该账号的工作区域不在此记录的行政区划内"),
    ("separation_of_duties", "同一账号不能先后承担这两项互相制约的职责；须由另一账号完成"),
    ("url_not_public", "接收地址须在公网上，或在运维方允许的网段内"),
    ("delivery_pending", "推送仍在排队，系统会自行重试"),
    ("import_no_longer_running", "该导入作业已不在运行，已标记为失败；请重新提交剩余的行"),
    ("already_seeded", "合成数据已经载入；请使用空数据库"),
    // Intake: people, households, applications, referrals, imports.
    ("beneficiary_unknown", "您的辖区内没有这个人"),
    ("applicant_choice", "beneficiary_id 与 applicant 须且只须给出一个"),
    ("consent_required", "转办须先取得本人同意向部门共享信息"),
    ("consent_missing", "本人尚未同意向部门共享信息"),
    ("no_category_in_force", "此人的救助类别均不在有效期内；请先更新类别"),
    ("items_unresolved", "申请中还有事项没有处理结果；请逐项记录决定及理由后再办结"),
    ("item_resolved", "该事项已有处理结果"),
    ("referrals_unfinished", "还有转办尚未办结；请待部门办结后再关闭，或说明仍要关闭的理由"),
    ("not_a_household_member", "所填人员不在申请人家庭中"),
    ("referral_closed", "转办已结束，不能再读取身份信息"),
    ("head_cannot_leave", "户主不能退出家庭"),
    ("already_in_household", "此人已属于某个家庭"),
    ("head_is_separate", "一个家庭只有一位户主"),
    ("no_rows", "上传的文件没有数据行"),
    ("not_a_row", "这一行不是一条人员记录"),
    ("not_ndjson", "这一行不是 JSON 对象；NDJSON 每行一个对象"),
    ("unreadable", "这一行无法读取"),
    ("unknown_column", "含有无法识别的列"),
    ("column_missing", "表头缺少必需的列"),
    ("csv_header", "CSV 文件缺少表头"),
    // Needs assessment.
    ("need_unknown", "您的辖区内没有这条需求"),
    ("need_not_open", "该需求属于其他服务项目，或已不再待匹配"),
    ("indicator_unknown", "不是十项评估指标之一"),
    ("indicator_duplicate", "指标代码不得重复"),
    ("indicator_missing", "有指标尚未评分"),
    ("thresholds_order", "阈值须满足 0 < 较重 < 严重 ≤ 300"),
    ("weights_sum", "权重之和须为 10000 个基点"),
    // Supply: the catalogue, providers and volunteers.
    ("service_unknown", "服务项目清单中没有这个服务"),
    ("service_code_taken", "该服务项目代码已存在"),
    ("local_items_by_city_or_county", "只有市或县（区）可以增设本地服务项目"),
    ("guidance_item_protected", "32 项指导目录服务项目不能删除或停用"),
    ("not_your_item", "只有增设该本地项目的地区可以停用它"),
    ("city_approval_required", "政府购买的本地服务项目须经市级审核"),
    ("not_pending", "只有待市级审核的项目可以审核"),
    ("credit_code_registered", "该统一社会信用代码已登记"),
    ("provider_unknown", "没有这个服务机构"),
    ("provider_outside_scope", "该服务机构登记在您的辖区之外"),
    ("provider_type_ineligible", "该类组织不得承接政府购买服务"),
    ("provider_barred", "该服务机构处于取消承接资格期内，不接受新订单"),
    ("volunteer_unknown", "您的辖区内没有这位志愿者"),
    ("volunteer_inactive", "该志愿者已停用"),
    ("volunteer_unsuited", "该志愿者已停用，或未登记此项服务技能"),
    ("volunteer_registered", "此人已登记为志愿者"),
    ("volunteer_too_young", "志愿者须年满 16 周岁"),
    ("id_number_registered", "该身份证号已登记；existing_id 指向该记录（如您可见）"),
    ("phone_invalid", "不是有效的电话号码"),
    ("region_code_invalid", "不是有效的行政区划代码（6、9 或 12 位）"),
    ("url_invalid", "不是有效的网址"),
    ("too_many_rows", "上传的行数超过上限"),
    ("at_least_one", "至少为 1"),
    ("not_offered", "只能为提供的服务项目申报服务能力"),
    ("category_duplicate", "每个救助类别只能出现一次"),
    ("group_duplicate", "每个服务群体只能出现一次"),
    ("member_duplicate", "每个人只能出现一次"),
    ("group_derived", "该群体由身份证号推算，不能手工设定"),
    ("transition_end_required", "防止返贫监测对象须填写过渡期结束日期"),
    ("event_type_invalid", "事件类型形如 referral.created"),
    ("csv_columns", "每行须为 code,name_zh 两列"),
    ("release_not_allowed", "该期付款不能以此条件支付"),
    ("mutual_aid_requires_beneficiary", "以困助困的帮扶人须是在册的救助对象"),
    ("mutual_aid_requires_able_body", "以困助困的帮扶人须有劳动能力，年龄 16 至 69 周岁"),
    ("sixty_helps_eighty_age", "60帮80 的帮扶人须为 60 至 69 周岁"),
    ("sixty_helps_eighty_health", "60帮80 的帮扶人须声明身体健康"),
    // Matching: orders, deliveries, feedback, follow-ups, inspections.
    ("target_choice", "请给出 need_id，或同时给出 beneficiary_id 和 service_code"),
    ("assignee_choice", "provider_id 与 volunteer_id 须且只须给出一个"),
    ("duplicate_of_material_assistance", "此人的物质救助已满足这项需要，不重复提供该服务"),
    ("contract_required", "政府购买的服务须在合同下派单"),
    ("contract_unknown", "没有这份合同"),
    ("contract_not_active", "合同不在履行中"),
    ("subcontracting_prohibited", "合同下的订单只能派给合同的承接方，不得转包"),
    ("contract_scope", "合同不包含该服务项目或该地区"),
    ("contract_quantity_exceeded", "超出合同购买的服务数量；剩余数量见 details"),
    ("provider_capacity_undeclared", "该服务机构没有申报此项服务的月服务能力，不能派单"),
    ("provider_capacity_exceeded", "超出该服务机构本月的服务能力；剩余数量见 details"),
    ("order_not_accepted", "服务记录只能登记在已接单的订单上"),
    ("delivery_exceeds_order", "服务数量将超过订单数量"),
    ("delivery_unknown", "您的辖区内没有这条服务记录"),
    ("order_not_served", "服务完成后才能评价"),
    ("follow_up_done", "这次回访已经登记"),
    // Procurement: funds, projects, bids, panels, contracts, sanctions.
    ("funding_region", "资金账户只能设在市或县（区）"),
    ("fund_account_exists", "该地区当年已有资金账户"),
    ("fund_account_missing", "该地区当年没有资金账户"),
    ("cap_bp_city_admin_only", "只有市级管理员可以设定购买上限比例"),
    ("cap_above_three_percent", "购买上限不得超过上年度救助资金的 3%"),
    ("cap_below_committed", "新的上限低于已承诺的资金"),
    ("purchase_cap_exceeded", "财政救助资金将超过购买上限（上年度救助资金的 3%）；数额见 details"),
    ("funding_mismatch", "各项资金之和与预算不一致"),
    ("justification_required", "单一来源采购须写明理由"),
    ("invitations_required", "邀请招标须邀请至少三家服务机构"),
    ("criteria_sum", "评审因素权重之和须为 10000 个基点"),
    ("price_weight_out_of_range", "价格权重须在 10% 至 30% 之间"),
    ("shares_do_not_add_up", "各期付款比例之和须为 100%"),
    ("one_final_instalment", "尾款为一期，在验收后支付"),
    ("project_unknown", "您的辖区内没有这个项目"),
    ("not_accepting_bids", "项目当前不接受投标"),
    ("provider_not_invited", "邀请招标只接受受邀服务机构的投标"),
    ("not_your_provider", "服务机构只能以自身名义投标"),
    ("bid_above_budget", "投标报价高于项目预算"),
    ("bid_exists", "该服务机构已经投过标"),
    ("bid_unknown", "该项目没有这份投标"),
    ("panel_exists", "评审小组已经组建"),
    ("panel_not_formed", "请先组建评审小组，由其成员评分后再定标"),
    ("panel_size_even", "该采购方式的评审小组须为单数"),
    ("panel_lacks_experts", "评审小组中专家须不少于三分之二"),
    ("seat_duplicate", "每个账号只能占一个席位"),
    ("not_a_member", "只有评审小组成员可以用本人账号签署评分表"),
    ("cannot_sign", "该角色不签署评分表"),
    ("not_scoring", "评分须在投标截止后、定标之前进行"),
    ("score_exists", "该成员已经评过分"),
    ("bids_unscored", "还有投标缺少评审成员的评分表"),
    ("no_valid_bids", "没有可定标的投标；请宣布项目流标"),
    ("too_few_bids", "有效投标数量不足该采购方式的要求；请宣布流标后重新采购"),
    ("award_reason_required", "不选总分最高的投标时须写明理由"),
    ("contract_missing", "项目还没有签订合同"),
    ("contract_price_too_high", "合同价格不得超过预算或中标报价"),
    ("service_outside_contract", "该服务项目不在合同的服务内容中"),
    ("service_outside_project", "该服务项目不在项目的服务内容中"),
    ("service_duplicate", "服务项目不得重复"),
    ("kind_unknown", "该账簿不接受这种记录类型"),
    ("payment_not_released", "该期付款尚未到支付条件"),
    ("payment_exceeds_contract", "付款总额将超过合同价格"),
    ("acceptance_required", "尾款须在验收合格后支付"),
    ("settlement_incomplete", "合同款项尚未付清，不能结算"),
    ("term_not_ended", "合同期尚未届满；届满后再验收，或说明提前完成的理由"),
    ("final_evaluation_required", "验收须有项目已通过审核的终期评估"),
    // Evaluation: schemes, evaluations, score sheets, appeals.
    ("scheme_unknown", "没有这套评估指标体系"),
    ("grades_order", "等级分数线须满足 合格 < 良好 < 优秀 ≤ 100"),
    ("project_not_contracted", "只有已签订合同的项目可以评估"),
    ("evaluation_exists", "该项目已有这一阶段的评估"),
    ("mid_term_required", "终期评估须在中期评估审核通过之后进行"),
    ("third_party_is_provider", "受评的服务机构不能评估自己"),
    ("group_size_invalid", "评估小组须为单数，且不少于 3 人"),
    ("group_lacks_accountant", "评估小组须有一名具有中级以上职称的会计人员"),
    ("scores_incomplete", "还有指标没有评分"),
    ("appeal_too_late", "申诉须在评估报告送达后的规定天数内提出"),
    ("report_not_delivered", "评估报告审核送达后才能申诉"),
    ("appeal_open", "已有一项申诉正在处理"),
    ("appeal_already_decided", "申诉复核结果为最终结果"),
    ("decider_level", "申诉由购买主体本级复核"),
    ("decider_in_group", "评估小组成员不能复核针对本评估的申诉"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the sources construct literally (`DomainError::rule`,
    /// `conflict`, `field`, `FieldError::new`, `code:`) has its sentence, each
    /// once and in Chinese.
    /// What follows the first argument of a call (`rest` starts just inside
    /// its parenthesis), when the second argument is a string literal.
    fn after_first_argument(rest: &str) -> Option<&str> {
        let (mut depth, mut in_string) = (0i32, false);
        for (n, ch) in rest.char_indices() {
            match ch {
                '"' => in_string = !in_string,
                '(' | '[' | '{' if !in_string => depth += 1,
                ')' | ']' | '}' if !in_string => {
                    depth -= 1;
                    if depth < 0 {
                        return None;
                    }
                }
                ',' if !in_string && depth == 0 => return rest[n + 1..].strip_prefix('"'),
                _ => {}
            }
        }
        None
    }

    #[test]
    fn every_code_the_sources_make_has_a_chinese_sentence() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut pending = vec![root.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 100, "the crates were read");
        let openings = ["DomainError::rule(", "DomainError::conflict(", "code: \"", "DomainError::field(", "FieldError::new("];
        let mut made = std::collections::BTreeSet::new();
        for file in &files {
            // What the code makes, not what its tests make up.
            let source = std::fs::read_to_string(file).unwrap_or_default();
            let text = source.split("#[cfg(test)]").next().unwrap_or_default().replace(['\n', ' '], "");
            for opening in openings {
                for rest in text.split(&opening.replace(' ', "")).skip(1) {
                    let argument = if opening == "code: \"" {
                        // `Rule { code, message }`, not any struct with a `code` field.
                        rest.split_once('"').filter(|(_, after)| after.starts_with(",message:")).map(|_| rest)
                    } else if opening.starts_with("DomainError::field") || opening.starts_with("FieldError") {
                        // The code is the second argument: the literal after the first top-level comma.
                        after_first_argument(rest)
                    } else {
                        rest.strip_prefix('"')
                    };
                    let code = argument.and_then(|a| a.strip_prefix('"').or(Some(a))).and_then(|a| a.split('"').next());
                    if let Some(code) = code.filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')) {
                        made.insert(code.to_string());
                    }
                }
            }
        }
        assert!(made.len() > 100, "only {} codes found", made.len());
        let missing: Vec<&String> = made.iter().filter(|code| detail(code).is_none()).collect();
        assert!(missing.is_empty(), "codes without a Chinese sentence: {missing:?}");
        let mut seen = std::collections::BTreeSet::new();
        for (code, text) in TEXTS {
            assert!(seen.insert(*code), "{code} twice");
            assert!(!text.is_empty() && !text.is_ascii(), "{code}: {text}");
        }
    }
}
