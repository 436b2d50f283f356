//! What crosses the layer: a parameter or a column is a [`Value`], so one
//! statement binds the same way on both back-ends, and a row is read back
//! by the type the caller asks for ([`FromValue`]).

use super::Error;

/// One SQL value, as SQLite has them (less REAL, which the schema has
/// none of). Flags are integers 0/1 on both back-ends.
///
/// Its `Debug` shows the kind and size only: the PostgreSQL client logs
/// each statement's parameters at debug level, and parameters carry
/// secrets (an outbox body with a one-time code, a code's hash).
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Int(_) => f.write_str("Int(..)"),
            Value::Text(s) => write!(f, "Text({} bytes)", s.len()),
            Value::Blob(b) => write!(f, "Blob({} bytes)", b.len()),
        }
    }
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "an integer",
            Value::Text(_) => "text",
            Value::Blob(_) => "a blob",
        }
    }
}

/// A Rust value that binds as a statement parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
int_to_value!(i64, i32, u32, i16, u16, i8, u8);

impl ToValue for u64 {
    /// Saturates above `i64::MAX` (no count or time the RA stores gets there).
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for usize {
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

/// A statement's parameters: [`params!`](crate::params)`[a, b]`, or an
/// array of one type (`[id]`), or a `Vec<Value>` built at run time.
pub trait Params {
    fn into_values(self) -> Vec<Value>;
}

impl Params for Vec<Value> {
    fn into_values(self) -> Vec<Value> {
        self
    }
}

impl Params for &[Value] {
    fn into_values(self) -> Vec<Value> {
        self.to_vec()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn into_values(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// The parameters of a statement, each converted with [`ToValue`]:
/// `params![a, b, c]` binds `?1`, `?2`, `?3`; `params![]` binds none.
#[macro_export]
macro_rules! params {
    () => {
        ::std::vec::Vec::<$crate::db::Value>::new()
    };
    ($($p:expr),+ $(,)?) => {
        ::std::vec![$($crate::db::ToValue::to_value(&$p)),+]
    };
}

/// A type a column reads back as.
pub trait FromValue: Sized {
    fn from_value(value: Value, index: usize) -> Result<Self, Error>;
}

fn mismatch(index: usize, wanted: &'static str, found: &Value) -> Error {
    Error::Conversion {
        index,
        detail: format!("wanted {wanted}, found {}", found.kind()),
    }
}

impl FromValue for i64 {
    fn from_value(value: Value, index: usize) -> Result<Self, Error> {
        match value {
            Value::Int(i) => Ok(i),
            other => Err(mismatch(index, "an integer", &other)),
        }
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value, index: usize) -> Result<Self, Error> {
                let i = i64::from_value(value, index)?;
                <$t>::try_from(i).map_err(|_| Error::Conversion {
                    index,
                    detail: format!("{i} is out of range for {}", stringify!($t)),
                })
            }
        }
    )*};
}
int_from_value!(i32, u32, i16, u16, u8, u64, usize);

impl FromValue for bool {
    fn from_value(value: Value, index: usize) -> Result<Self, Error> {
        Ok(i64::from_value(value, index)? != 0)
    }
}

impl FromValue for String {
    fn from_value(value: Value, index: usize) -> Result<Self, Error> {
        match value {
            Value::Text(s) => Ok(s),
            other => Err(mismatch(index, "text", &other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value, index: usize) -> Result<Self, Error> {
        match value {
            Value::Blob(b) => Ok(b),
            // SQLite keeps what was bound: a blob column may hold text.
            Value::Text(s) => Ok(s.into_bytes()),
            other => Err(mismatch(index, "a blob", &other)),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: Value, _index: usize) -> Result<Self, Error> {
        Ok(value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value, index: usize) -> Result<Self, Error> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other, index).map(Some),
        }
    }
}

/// One row of a result, read by column index as with rusqlite.
#[derive(Debug, Clone)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub(super) fn new(values: Vec<Value>) -> Self {
        Self { values }
    }

    /// Column `index` (from 0) as a `T`; a NULL needs an `Option<T>`.
    /// (rusqlite's shape: `row.get(0)`, `row.get::<_, String>(0)`.)
    pub fn get<I: ColumnIndex, T: FromValue>(&self, index: I) -> Result<T, Error> {
        let index = index.index();
        let value = self.values.get(index).cloned().ok_or(Error::Conversion {
            index,
            detail: format!("the row has {} columns", self.values.len()),
        })?;
        T::from_value(value, index)
    }
}

/// A column's position (rusqlite's `RowIndex`, by number only).
pub trait ColumnIndex {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}
