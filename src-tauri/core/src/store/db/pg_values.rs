//! Values and statements between the store and PostgreSQL: the `?N` -> `$N` rewrite, and the
//! conversion of the store's plain values to the types a prepared statement expects and back.
//!
//! Invariants:
//! - Statements are written once with SQLite's `?N` placeholders and rewritten here, never the
//!   other way (SQLite reads `$1` as a *named* parameter numbered by first appearance).
//! - A value that does not fit its parameter's type is refused with the parameter's number, never
//!   wrapped or truncated (an `int4` parameter given `i64::MAX`).
//! - A `timestamptz` reads back as the RFC 3339 text with milliseconds a SQLite desk stores, so one
//!   case's events hash identically on both engines.

use bytes::BytesMut;
use chrono::{DateTime, Utc};
use postgres::types::{IsNull, ToSql, Type};
use rusqlite::types::{Value, ValueRef};

use crate::error::{Error, Result};

/// `?N` -> `$N`, and a bare `?` -> the next number, outside string literals, quoted identifiers
/// and comments.
pub(crate) fn rewrite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    next += 1;
                    out.push_str(&next.to_string());
                } else {
                    next = next.max(digits.parse().unwrap_or(0));
                    out.push_str(&digits);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// One parameter, converted to the type the prepared statement expects.
#[derive(Debug)]
pub(super) enum Param {
    Null,
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    F64(f64),
    Text(String),
    Time(DateTime<Utc>),
    Json(serde_json::Value),
    Bytes(Vec<u8>),
}

pub(super) fn bind(stmt: &postgres::Statement, values: &[Value]) -> Result<Vec<Param>> {
    let types = stmt.params();
    if types.len() != values.len() {
        return Err(Error::Internal(format!(
            "the statement takes {} parameters and was given {}",
            types.len(),
            values.len()
        )));
    }
    types
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (ty, v))| convert(i + 1, ty, v))
        .collect()
}

fn convert(n: usize, ty: &Type, value: &Value) -> Result<Param> {
    let wrong = |what: &str| Error::Internal(format!("parameter ${n}: {what} cannot be sent as {ty}"));
    Ok(match value {
        Value::Null => Param::Null,
        Value::Integer(i) => match *ty {
            Type::INT8 => Param::I64(*i),
            Type::INT4 => Param::I32(i32::try_from(*i).map_err(|_| wrong("a number this large"))?),
            Type::INT2 => Param::I16(i16::try_from(*i).map_err(|_| wrong("a number this large"))?),
            Type::BOOL => Param::Bool(*i != 0),
            Type::FLOAT8 | Type::FLOAT4 | Type::NUMERIC => Param::F64(*i as f64),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => Param::Text(i.to_string()),
            _ => return Err(wrong("an integer")),
        },
        Value::Real(f) => match *ty {
            Type::FLOAT8 | Type::FLOAT4 | Type::NUMERIC => Param::F64(*f),
            _ => return Err(wrong("a real number")),
        },
        Value::Text(s) => match *ty {
            Type::TIMESTAMPTZ | Type::TIMESTAMP => Param::Time(
                DateTime::parse_from_rfc3339(s)
                    .map_err(|e| Error::Internal(format!("parameter ${n}: {s:?} is not an RFC 3339 time: {e}")))?
                    .with_timezone(&Utc),
            ),
            Type::JSONB | Type::JSON => Param::Json(
                serde_json::from_str(s).map_err(|e| Error::Internal(format!("parameter ${n}: not JSON: {e}")))?,
            ),
            Type::INT8 => Param::I64(s.parse().map_err(|_| wrong("text"))?),
            _ => Param::Text(s.clone()),
        },
        Value::Blob(b) => match *ty {
            Type::BYTEA => Param::Bytes(b.clone()),
            _ => return Err(wrong("bytes")),
        },
    })
}

impl ToSql for Param {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Bool(v) => v.to_sql(ty, out),
            Param::I16(v) => v.to_sql(ty, out),
            Param::I32(v) => v.to_sql(ty, out),
            Param::I64(v) => v.to_sql(ty, out),
            Param::F64(v) => match *ty {
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Param::Text(v) => v.to_sql(ty, out),
            Param::Time(v) => v.to_sql(ty, out),
            Param::Json(v) => v.to_sql(ty, out),
            Param::Bytes(v) => v.to_sql(ty, out),
        }
    }

    // Each value was converted for the statement's own parameter type in `convert`.
    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A column of a PostgreSQL row as the store's plain value (what a SQLite desk would hold).
pub(crate) fn column(row: &postgres::Row, idx: usize) -> Result<Value> {
    let ty = row
        .columns()
        .get(idx)
        .ok_or_else(|| Error::Storage(rusqlite::Error::InvalidColumnIndex(idx)))?
        .type_()
        .clone();
    let get = |e: postgres::Error| Error::Database(super::pg::one_line(&e));
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(idx)
            .map_err(get)?
            .map_or(Value::Null, Value::Integer),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(idx)
            .map_err(get)?
            .map_or(Value::Null, Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Real(v.into())),
        Type::TIMESTAMPTZ => row
            .try_get::<_, Option<DateTime<Utc>>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |t| Value::Text(crate::store::format_time(t))),
        Type::JSONB | Type::JSON => row
            .try_get::<_, Option<serde_json::Value>>(idx)
            .map_err(get)?
            .map_or(Value::Null, |v| Value::Text(v.to_string())),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(idx)
            .map_err(get)?
            .map_or(Value::Null, Value::Blob),
        Type::NUMERIC => {
            return Err(Error::Internal(format!(
                "column {idx} is numeric, which the store does not read: cast it (CAST(SUM(x) AS BIGINT))"
            )))
        }
        _ => row
            .try_get::<_, Option<String>>(idx)
            .map_err(get)?
            .map_or(Value::Null, Value::Text),
    })
}

/// A plain value borrowed as rusqlite's, so `Row::get` converts it with the same `FromSql` rules on both engines.
pub(crate) fn as_ref(v: &Value) -> ValueRef<'_> {
    match v {
        Value::Null => ValueRef::Null,
        Value::Integer(i) => ValueRef::Integer(*i),
        Value::Real(f) => ValueRef::Real(*f),
        Value::Text(s) => ValueRef::Text(s.as_bytes()),
        Value::Blob(b) => ValueRef::Blob(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_and_bare_placeholders_become_dollar_numbers_outside_quotes_and_comments() {
        assert_eq!(
            rewrite_placeholders("UPDATE t SET a = ?2, b = '?1 stays', \"c?\" = ?1 -- ?3 too\nWHERE id = ?3"),
            "UPDATE t SET a = $2, b = '?1 stays', \"c?\" = $1 -- ?3 too\nWHERE id = $3"
        );
        assert_eq!(rewrite_placeholders("SELECT ? , ?"), "SELECT $1 , $2");
        assert_eq!(rewrite_placeholders("VALUES (?10, ?9)"), "VALUES ($10, $9)");
    }

    #[test]
    fn a_time_parameter_must_be_rfc_3339_and_keeps_its_milliseconds() {
        let Param::Time(t) = convert(1, &Type::TIMESTAMPTZ, &Value::Text("2026-12-05T03:04:05.678Z".into())).unwrap()
        else {
            panic!("not a time")
        };
        assert_eq!(crate::store::format_time(t), "2026-12-05T03:04:05.678Z");
        assert!(convert(1, &Type::TIMESTAMPTZ, &Value::Text("yesterday".into())).is_err());
    }

    #[test]
    fn an_integer_too_large_for_an_int4_parameter_is_refused_not_wrapped() {
        assert!(matches!(
            convert(1, &Type::INT4, &Value::Integer(7)).unwrap(),
            Param::I32(7)
        ));
        assert!(convert(1, &Type::INT4, &Value::Integer(i64::MAX)).is_err());
    }
}
