//! The rules of request fields as the document states them: each the
//! core's (or the body reader's) own, so a request the document calls
//! valid is not refused for its shape, and one it calls invalid is
//! (contract `http.md` §1; Schemathesis checks both ways in CI).

use serde_json::json;
use utoipa::{
    openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type},
    ToSchema,
};

/// `MD5` or `SHA-256`.
#[derive(ToSchema)]
#[allow(dead_code)] // Only its schema is used: the values travel as strings.
pub enum AlgorithmName {
    #[schema(rename = "MD5")]
    Md5,
    #[schema(rename = "SHA-256")]
    Sha256,
}

/// Laravel's `boolean` rule, which FlexiAPI applies to an account's
/// `activated`, `blocked` and `admin` (liblinphone sends `"1"`).
pub fn laravel_bool() -> Schema {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::Integer, Type::String]))
                .enum_values(Some([json!(0), json!(1), json!("0"), json!("1")])),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some("`true`, `false`, `1`, `0`, `\"1\"` or `\"0\"`"))
        .build()
        .into()
}

/// At most 64 entries, keys of 1-64 `[A-Za-z0-9_.-]`, values of at most
/// 1,024 characters.
pub fn dictionary() -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .max_properties(Some(64))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^[A-Za-z0-9_.\-]{1,64}$")),
        ))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(1024)),
        ))
        .build()
        .into()
}
