//! Region scope as one mechanism: an entity with a `region_code` column is
//! `RegionScoped` (declared with `region_scoped!` beside its entities), and
//! every read or write of it narrows to the caller's region subtree through
//! `in_scope` on its query or `within` in a condition (`under` narrows to a
//! region inside that scope). Nothing else builds the subtree pattern: a
//! test fails on any other use of it, and another fails on any table with a
//! `region_code` column that is not declared.

use jiuzhu_core::{Actor, RegionCode};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select, UpdateMany};

/// An entity whose rows belong to a region.
pub trait RegionScoped: EntityTrait {
    /// The column holding the row's region code.
    fn region_column() -> Self::Column;
}

/// The condition "the row's region lies in the actor's subtree".
pub fn within<E: RegionScoped>(actor: &Actor) -> SimpleExpr {
    under::<E>(&actor.region)
}

/// The condition "the row's region lies in `region`'s subtree", for a
/// filter by region inside a scope already applied.
pub fn under<E: RegionScoped>(region: &RegionCode) -> SimpleExpr {
    E::region_column().like(format!("{}%", region.subtree_prefix()))
}

/// The condition "the row's region is `region`, above it, or in its
/// subtree": the records that bear on work in `region` without being read
/// as data of it, e.g. the county's contracts that decide who serves a
/// township's needs.
pub fn bearing_on<E: RegionScoped>(region: &RegionCode) -> SimpleExpr {
    let mut above = Vec::new();
    let mut next = region.parent();
    while let Some(parent) = next {
        above.push(parent.to_string());
        next = parent.parent();
    }
    sea_orm::sea_query::ExprTrait::or(under::<E>(region), E::region_column().is_in(above))
}

/// Moves the rows of region `from` (that code, not its subtree) to `to`.
pub async fn move_rows<E: RegionScoped>(
    conn: &impl sea_orm::ConnectionTrait,
    from: &RegionCode,
    to: &RegionCode,
) -> Result<u64, jiuzhu_core::DomainError> {
    let moved = E::update_many()
        .col_expr(E::region_column(), sea_orm::sea_query::Expr::value(to.to_string()))
        .filter(E::region_column().eq(from.as_str()))
        .exec(conn)
        .await?;
    Ok(moved.rows_affected)
}

/// Narrows a query of a region-scoped entity to the actor's subtree.
pub trait InScope: Sized {
    fn in_scope(self, actor: &Actor) -> Self;
}

impl<E: RegionScoped> InScope for Select<E> {
    fn in_scope(self, actor: &Actor) -> Self {
        self.filter(within::<E>(actor))
    }
}

impl<E: RegionScoped> InScope for UpdateMany<E> {
    fn in_scope(self, actor: &Actor) -> Self {
        self.filter(within::<E>(actor))
    }
}

/// Declares entity modules (each with `Entity` and a `Column::RegionCode`)
/// region-scoped, and lists their tables in `region_scoped_tables()` (which
/// the area's `lib.rs` re-exports for the test that every table with a
/// region is declared).
#[macro_export]
macro_rules! region_scoped {
    ($($module:ident),+ $(; history: $($kept:ident),+)? $(,)?) => {
        $(
            impl $crate::scope::RegionScoped for $module::Entity {
                fn region_column() -> $module::Column {
                    $module::Column::RegionCode
                }
            }
        )+
        $($(
            impl $crate::scope::RegionScoped for $kept::Entity {
                fn region_column() -> $kept::Column {
                    $kept::Column::RegionCode
                }
            }
        )+)?

        /// The tables of this area declared region-scoped.
        pub fn region_scoped_tables() -> Vec<&'static str> {
            vec![$( ::sea_orm::EntityName::table_name(&$module::Entity) ),+ $($(, ::sea_orm::EntityName::table_name(&$kept::Entity))+)?]
        }

        /// A division change: this area's rows of region `from` (that code
        /// exactly) move to `to`, in the caller's transaction; answers how
        /// many rows of each table moved. Tables declared as `history`
        /// keep the region a row was written in.
        pub async fn move_region_records(
            conn: &impl ::sea_orm::ConnectionTrait,
            from: &::jiuzhu_core::RegionCode,
            to: &::jiuzhu_core::RegionCode,
        ) -> Result<Vec<(&'static str, u64)>, ::jiuzhu_core::DomainError> {
            Ok(vec![$(
                (::sea_orm::EntityName::table_name(&$module::Entity), $crate::scope::move_rows::<$module::Entity>(conn, from, to).await?),
            )+])
        }
    };
}
