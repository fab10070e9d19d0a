//! Enumeration codes: every API enum is declared once with `coded_enum!`,
//! which gives each value its code (the serde name, the stored value, the
//! spec's enum member) and its Chinese and English labels, and lists the
//! values for `/enums` and the exports. `code_of` and `parse_code` convert
//! between a value and its stored code.

use crate::DomainError;

/// An enumeration declared with `coded_enum!`: its values, their codes and
/// their labels, from the one declaration.
pub trait Coded: Copy + 'static {
    /// The enumeration's name in `/enums` (snake_case of its schema name).
    const LIST: &'static str;
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The code: serde name, stored value and spec enum member.
    fn code(self) -> &'static str;
    /// The Chinese label.
    fn label_zh(self) -> &'static str;
    /// The English label.
    fn label_en(self) -> &'static str;
    /// The value with this code, if any.
    fn from_code(code: &str) -> Option<Self>;
}

/// One value of an enumeration as `/enums` and the exports show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"code": "village_worker", "zh": "村居协理员", "en": "Village worker"}))]
pub struct EnumValue {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl EnumValue {
    /// A value with its code and labels.
    pub fn of<T: Coded>(value: T) -> Self {
        EnumValue { code: value.code(), zh: value.label_zh(), en: value.label_en() }
    }
}

/// An enumeration's name and its values with their labels.
pub fn listing<T: Coded>() -> (&'static str, Vec<EnumValue>) {
    (T::LIST, T::all().iter().copied().map(EnumValue::of).collect())
}

/// The stored code of an enum value, e.g. `Channel::WalkIn` → `walk_in`.
pub fn code_of<T: Coded>(value: T) -> String {
    value.code().to_string()
}

/// The enum value of a stored code; an unknown code is corrupt data (500).
pub fn parse_code<T: Coded>(code: &str) -> Result<T, DomainError> {
    T::from_code(code).ok_or_else(|| DomainError::Internal(format!("stored code {code:?} is not a {}", T::LIST)))
}

/// Declares an enumeration once: each value with its code, Chinese label and
/// English label. It derives serde (by code), `ToSchema` (the codes as the
/// spec's enum) and the usual value traits, and implements [`Coded`],
/// `Display` (the code) and `ALL`.
///
/// ```
/// jiuzhu_core::coded_enum! {
///     /// How urgent a need is.
///     pub enum Urgency as "urgency" {
///         High = "high", "高", "High";
///         Low = "low", "低", "Low";
///     }
/// }
/// assert_eq!(Urgency::High.code(), "high");
/// assert_eq!(Urgency::from_code("low"), Some(Urgency::Low));
/// assert_eq!(serde_json::to_string(&Urgency::Low).unwrap(), "\"low\"");
/// ```
#[macro_export]
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $list:tt {
            $( $(#[$vmeta:meta])* $variant:ident = $code:tt, $zh:tt, $en:tt; )+
        }
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The code: serde name, stored value and spec enum member.
            pub const fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Chinese label.
            pub const fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            /// The English label.
            pub const fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }

            /// The value with this code, if any.
            pub fn from_code(code: &str) -> ::std::option::Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl $crate::codes::Coded for $name {
            const LIST: &'static str = $list;
            fn all() -> &'static [Self] {
                &Self::ALL
            }
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label_zh(self) -> &'static str {
                $name::label_zh(self)
            }
            fn label_en(self) -> &'static str {
                $name::label_en(self)
            }
            fn from_code(code: &str) -> ::std::option::Option<Self> {
                $name::from_code(code)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    #[test]
    fn codes_round_trip() {
        assert_eq!(code_of(Role::VillageWorker), "village_worker");
        assert_eq!(parse_code::<Role>("village_worker").unwrap(), Role::VillageWorker);
        assert!(parse_code::<Role>("king").is_err());
    }

    #[test]
    fn serde_uses_the_declared_code() {
        assert_eq!(serde_json::to_value(Role::CityAdmin).unwrap(), serde_json::json!("city_admin"));
        assert_eq!(serde_json::from_value::<Role>(serde_json::json!("review_member")).unwrap(), Role::ReviewMember);
        assert!(serde_json::from_value::<Role>(serde_json::json!("CityAdmin")).is_err());
    }

    #[test]
    fn a_listing_has_every_value_with_its_labels() {
        let (name, values) = listing::<Role>();
        assert_eq!(name, "role");
        assert_eq!(values.len(), Role::ALL.len());
        assert_eq!(values[3], EnumValue { code: "village_worker", zh: "村居协理员", en: "Village worker" });
    }
}
