//! Loading a region tree from CSV: the statistical division codes as the
//! `china-division` package ships them (`code,name,<parent code>,…`, short
//! codes for provinces and prefectures) or a plain `code,name_zh[,parent_code]`
//! file, checked line by line against the deployment's root and written in
//! one transaction. The tree the repository ships (石嘴山市, 2023 edition)
//! goes in the same way at every start.

use crate::entity::region;
use jiuzhu_core::{Clock, DomainError, RegionCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use std::collections::{HashMap, HashSet};

/// 石嘴山市's counties, townships and villages with their official names:
/// the National Bureau of Statistics' 2023 statistical division codes, as
/// `reference/regions/README.md` records.
pub const SHIPPED_TREE: &str = include_str!("../reference/regions/640200.csv");

/// Longest name a region may carry (the column's width).
const NAME_MAX_CHARS: usize = 100;
/// Rows per insert statement.
const INSERT_CHUNK: usize = 500;

/// One usable line of a file: where it was, the code and the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeLine {
    pub source: String,
    pub line: usize,
    pub code: RegionCode,
    pub name_zh: String,
}

/// A line that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub source: String,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}: {}", self.source, self.line, self.reason)
    }
}

/// Reads one file. A first line whose first field is not a number is a
/// header. The third column, when present, is the parent's code and must be
/// the parent the code itself names.
pub fn read(source: &str, text: &str) -> (Vec<TreeLine>, Vec<Refusal>) {
    let mut lines = Vec::new();
    let mut refused = Vec::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    for (index, record) in reader.records().enumerate() {
        let line = index + 1;
        let refuse = |reason: String| Refusal { source: source.to_string(), line, reason };
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                refused.push(refuse(format!("not CSV: {error}")));
                continue;
            }
        };
        let code = record.get(0).unwrap_or_default().trim_start_matches('\u{feff}');
        if record.iter().all(str::is_empty) || (line == 1 && !code.bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        match read_line(&record, code) {
            Ok((code, name_zh)) => lines.push(TreeLine { source: source.to_string(), line, code, name_zh }),
            Err(reason) => refused.push(refuse(reason)),
        }
    }
    (lines, refused)
}

fn read_line(record: &csv::StringRecord, code: &str) -> Result<(RegionCode, String), String> {
    let parsed = RegionCode::parse_statistical(code).map_err(|reason| format!("code {code:?} {reason}"))?;
    let name = record.get(1).unwrap_or_default();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(format!("name_zh must be 1 to {NAME_MAX_CHARS} characters"));
    }
    if let Some(parent) = record.get(2).filter(|p| !p.is_empty()) {
        let named = RegionCode::parse_statistical(parent).map_err(|reason| format!("parent code {parent:?} {reason}"))?;
        if parsed.parent().as_ref() != Some(&named) {
            return Err(format!("parent code {named} is not the parent of {parsed}"));
        }
    }
    Ok((parsed, name.to_string()))
}

/// What a load does, decided before anything is written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    /// New regions, parents before children.
    pub added: Vec<TreeLine>,
    /// Lines whose region exists already (its stored name stays; a rename
    /// is a division change made through the API).
    pub kept: usize,
    /// The root's name, when the root was created before its name was known.
    pub named_root: Option<TreeLine>,
    /// Lines for regions outside the deployment's root (a national file
    /// holds every province), not loaded.
    pub outside: usize,
    pub refused: Vec<Refusal>,
}

/// Decides each line: added, kept, outside the root or refused. `existing`
/// maps the codes in the tree to their names.
pub fn plan(lines: Vec<TreeLine>, root: &RegionCode, existing: &HashMap<String, String>) -> Plan {
    let mut lines = lines;
    // Parents before children, whatever order the files came in.
    lines.sort_by(|a, b| (a.code.level(), a.code.as_str()).cmp(&(b.code.level(), b.code.as_str())));
    let mut plan = Plan::default();
    let mut taken: HashMap<String, (String, usize, String)> = HashMap::new();
    let mut added: HashSet<String> = HashSet::new();
    for line in lines {
        if !line.code.is_within(root) {
            plan.outside += 1;
            continue;
        }
        let refuse = |reason: String| Refusal { source: line.source.clone(), line: line.line, reason };
        if let Some((source, first, name)) = taken.get(line.code.as_str()) {
            if *name != line.name_zh {
                plan.refused.push(refuse(format!("{} appears again with another name (first at {source} line {first})", line.code)));
            } else {
                plan.kept += 1;
            }
            continue;
        }
        taken.insert(line.code.to_string(), (line.source.clone(), line.line, line.name_zh.clone()));
        if line.code == *root {
            match existing.get(root.as_str()) {
                Some(name) if name == root.as_str() && line.name_zh != *name => plan.named_root = Some(line),
                _ => plan.kept += 1,
            }
            continue;
        }
        if existing.contains_key(line.code.as_str()) {
            plan.kept += 1;
            continue;
        }
        let parent = line.code.parent().map(|p| p.to_string()).unwrap_or_default();
        let parent_known = existing.contains_key(&parent) || added.contains(&parent);
        if !parent_known {
            let reason = format!("its parent {parent} is neither in the tree nor in the file");
            plan.refused.push(refuse(reason));
            taken.remove(line.code.as_str());
            continue;
        }
        added.insert(line.code.to_string());
        plan.added.push(line);
    }
    plan
}

/// The codes and names of the tree under `root`, retired regions included.
pub async fn names_under(conn: &impl ConnectionTrait, root: &RegionCode) -> Result<HashMap<String, String>, DomainError> {
    let rows: Vec<(String, String)> = region::Entity::find()
        .select_only()
        .column(region::Column::Code)
        .column(region::Column::NameZh)
        .filter(crate::scope::under::<region::Entity>(root))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Writes a plan in the caller's transaction; answers how many rows it wrote.
pub async fn apply(conn: &impl ConnectionTrait, clock: &dyn Clock, plan: &Plan, is_demo: bool) -> Result<usize, DomainError> {
    let now = clock.now();
    for chunk in plan.added.chunks(INSERT_CHUNK) {
        let rows = chunk.iter().map(|line| region::ActiveModel {
            code: Set(line.code.to_string()),
            name_zh: Set(line.name_zh.clone()),
            level: Set(line.code.level().code().to_string()),
            parent_code: Set(line.code.parent().map(|p| p.to_string())),
            is_demo: Set(is_demo),
            created_at: Set(now),
            key_township: Set(false),
            version: Set(1),
            retired_at: Set(None),
            successor_code: Set(None),
        });
        region::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    if let Some(root) = &plan.named_root {
        region::Entity::update_many()
            .col_expr(region::Column::NameZh, sea_orm::sea_query::Expr::value(root.name_zh.clone()))
            .filter(region::Column::Code.eq(root.code.as_str()))
            .exec(conn)
            .await?;
    }
    Ok(plan.added.len() + usize::from(plan.named_root.is_some()))
}

/// How `load` treats a file.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Mark what is added as invented demo data.
    pub is_demo: bool,
    /// Write the good lines even when some are refused (otherwise a refused
    /// line means nothing is written).
    pub skip_refused: bool,
}

/// Loads `files` (name and text) under `root` in one transaction, with one
/// audit row by the operator counting what happened; answers the plan it
/// carried out (or, with refusals and no `skip_refused`, would have).
pub async fn load(
    db: &crate::Db,
    clock: &dyn Clock,
    root: &RegionCode,
    files: &[(String, String)],
    options: LoadOptions,
) -> Result<Plan, DomainError> {
    let mut lines = Vec::new();
    let mut refused = Vec::new();
    for (name, text) in files {
        let (read_lines, read_refused) = read(name, text);
        lines.extend(read_lines);
        refused.extend(read_refused);
    }
    let txn = db.begin_write().await?;
    let existing = names_under(&*txn, root).await?;
    let mut planned = plan(lines, root, &existing);
    refused.append(&mut planned.refused);
    refused.sort_by(|a, b| (a.source.as_str(), a.line).cmp(&(b.source.as_str(), b.line)));
    planned.refused = refused;
    if !planned.refused.is_empty() && !options.skip_refused {
        return Ok(planned);
    }
    apply(&*txn, clock, &planned, options.is_demo).await?;
    let entry = crate::audit::Entry {
        action: "regions.loaded".into(),
        entity_type: "region".into(),
        entity_id: Some(root.to_string()),
        region_code: root.to_string(),
        outcome: crate::audit::Outcome::Success,
        detail: serde_json::json!({
            "files": files.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            "added": planned.added.len(),
            "kept": planned.kept,
            "refused": planned.refused.len(),
            "outside": planned.outside,
            "named_root": planned.named_root.as_ref().map(|line| &line.name_zh),
        }),
    };
    crate::audit::append(&*txn, &crate::audit::Who::operator(clock.now()), entry).await?;
    txn.commit().await?;
    Ok(planned)
}

/// Why a start refuses a database set up for another root.
fn other_root(found: &str, root: &RegionCode) -> DomainError {
    DomainError::Internal(format!(
        "this database serves the region tree of {found}, but JIUZHU_ROOT_REGION is {root}; \
         point the setting back at {found} or use another database"
    ))
}

/// Makes `root` the deployment's top region and loads what the shipped tree
/// holds of its subtree (once; later starts find it and keep it). Run under
/// the start-up lock. The root is created under its code as a placeholder
/// name when the shipped tree does not know it; `jiuzhu load-regions`
/// names it.
pub async fn establish(conn: &impl ConnectionTrait, clock: &dyn Clock, root: &RegionCode) -> Result<(), DomainError> {
    let tops: Vec<String> = region::Entity::find()
        .select_only()
        .column(region::Column::Code)
        .filter(region::Column::ParentCode.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    if let Some(found) = tops.iter().find(|code| code.as_str() != root.as_str()) {
        return Err(other_root(found, root));
    }
    let (shipped, refused) = read("reference/regions/640200.csv", SHIPPED_TREE);
    if let Some(refusal) = refused.first() {
        return Err(DomainError::Internal(format!("the shipped region tree is damaged: {refusal}")));
    }
    if tops.is_empty() {
        let name = shipped.iter().find(|line| line.code == *root).map_or_else(|| root.to_string(), |line| line.name_zh.clone());
        region::Entity::insert(region::ActiveModel {
            code: Set(root.to_string()),
            name_zh: Set(name),
            level: Set(root.level().code().to_string()),
            parent_code: Set(None),
            is_demo: Set(false),
            created_at: Set(clock.now()),
            key_township: Set(false),
            version: Set(1),
            retired_at: Set(None),
            successor_code: Set(None),
        })
        .exec_without_returning(conn)
        .await?;
    }
    let existing = names_under(conn, root).await?;
    let within: HashSet<&str> = existing.keys().map(String::as_str).collect();
    let missing: Vec<TreeLine> =
        shipped.iter().filter(|line| line.code.is_within(root) && !within.contains(line.code.as_str())).cloned().collect();
    if !missing.is_empty() {
        let planned = plan(missing, root, &existing);
        apply(conn, clock, &planned, false).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> RegionCode {
        RegionCode::parse(text).unwrap()
    }

    fn existing(rows: &[(&str, &str)]) -> HashMap<String, String> {
        rows.iter().map(|(c, n)| (c.to_string(), n.to_string())).collect()
    }

    #[test]
    fn reads_the_package_layout_and_the_plain_one() {
        let package = "code,name,areaCode,provinceCode,cityCode\n640302001,\"城区街道\",640302,64,6403\n";
        let (lines, refused) = read("streets.csv", package);
        assert!(refused.is_empty(), "{refused:?}");
        assert_eq!((lines[0].code.as_str(), lines[0].name_zh.as_str(), lines[0].line), ("640302001", "城区街道", 2));
        let cities = read("cities.csv", "code,name,provinceCode\n6403,\"吴忠市\",64\n").0;
        assert_eq!(cities[0].code, code("640300"), "a prefecture's short code is padded");
        let plain = read("mine.csv", "640302001,\"城区, 街道\"\n").0;
        assert_eq!(plain[0].name_zh, "城区, 街道", "a quoted comma is part of the name");
    }

    #[test]
    fn refuses_bad_lines_by_number() {
        let text = "code,name_zh,parent_code\n64030200x,甲\n640302001,\n640302001001,乙,640302002\n640302001002,丙,640302001\n";
        let (lines, refused) = read("f.csv", text);
        assert_eq!(lines.len(), 1);
        let at: Vec<usize> = refused.iter().map(|r| r.line).collect();
        assert_eq!(at, [2, 3, 4]);
        assert!(refused[2].reason.contains("not the parent"), "{}", refused[2]);
    }

    #[test]
    fn plans_parents_first_and_sorts_out_the_rest() {
        let root = code("640300");
        let (lines, _) = read(
            "f.csv",
            "640302001001,骏马村\n640302001,城区街道\n640302,利通区\n6402,石嘴山市\n640302,利通区\n640302999001,孤村\n640300,吴忠市\n",
        );
        let planned = plan(lines, &root, &existing(&[("640300", "640300")]));
        let added: Vec<&str> = planned.added.iter().map(|l| l.code.as_str()).collect();
        assert_eq!(added, ["640302", "640302001", "640302001001"]);
        assert_eq!(planned.outside, 1, "石嘴山市 lies outside the root");
        assert_eq!(planned.kept, 1, "the repeated county");
        assert_eq!(planned.named_root.as_ref().map(|l| l.name_zh.as_str()), Some("吴忠市"));
        assert_eq!(planned.refused.len(), 1);
        assert!(planned.refused[0].reason.contains("640302999"), "{:?}", planned.refused);
    }

    #[test]
    fn keeps_what_exists_and_refuses_a_conflicting_repeat() {
        let root = code("640200");
        let (lines, _) = read("f.csv", "640202001,另一个名字\n640202002,朝阳街道\n640202002,朝阳镇\n");
        let planned = plan(lines, &root, &existing(&[("640200", "石嘴山市"), ("640202", "大武口区"), ("640202001", "长胜街道")]));
        assert_eq!(planned.kept, 1, "the stored name of 640202001 stays");
        assert_eq!(planned.added.len(), 1);
        assert_eq!(planned.refused.len(), 1, "{:?}", planned.refused);
        assert!(planned.named_root.is_none());
    }

    #[test]
    fn the_shipped_tree_is_whole() {
        let (lines, refused) = read("640200.csv", SHIPPED_TREE);
        assert!(refused.is_empty(), "{refused:?}");
        let count = |level| lines.iter().filter(|l| l.code.level() == level).count();
        use jiuzhu_core::RegionLevel::*;
        assert_eq!((count(City), count(County), count(Township), count(Village)), (1, 3, 36, 326));
        let planned = plan(lines, &code("640200"), &existing(&[("640200", "石嘴山市")]));
        assert!(planned.refused.is_empty() && planned.outside == 0, "{:?}", planned.refused);
        assert_eq!(planned.added.len(), 365);
    }
}
