//! Enums that travel as text: the macros that give each its one spelling, shared by the modules
//! that declare them (a leaf, so those modules need not import each other for them).

/// `as_str` and `FromStr` for a fieldless enum stored as text.
macro_rules! text_enum {
    ($type:ident { $($variant:ident => $text:literal),* }) => {
        impl $type {
            /// The name as the JSON and the store write it (the same text serde uses).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
        }
        impl ::std::str::FromStr for $type {
            type Err = ();
            fn from_str(text: &str) -> Result<Self, ()> {
                match text { $($text => Ok(Self::$variant),)* _ => Err(()) }
            }
        }
    };
}
pub(crate) use text_enum;

/// A list of stable codes a client branches on ([`ErrorCode`](crate::ErrorCode),
/// [`FieldCode`](crate::FieldCode)): a `#[non_exhaustive]` enum serialised as each code's text,
/// with `ALL`, `as_str` and `Display`. A code this version does not know reads as `Unknown` (and is
/// written back as `"unknown"`), so a client keeps working against a newer server.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)*
            /// A code this version does not know.
            #[serde(other, rename = "unknown")]
            Unknown,
        }

        impl $name {
            /// Every known code.
            pub const ALL: &[$name] = &[$(Self::$variant,)*];

            /// The code as the wire carries it; `"unknown"` for `Unknown`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* Self::Unknown => "unknown" }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use code_enum;
