//! Enums that travel as text: the macro that gives each its one spelling, shared by the modules
//! that declare them (a leaf, so those modules need not import each other for it).

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
