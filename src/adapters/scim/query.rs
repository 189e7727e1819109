//! SCIM filters and `sortBy` (RFC 7644 §3.4.2.2, §3.4.2.3) mapped to the
//! store's directory conditions (`store::directory_query`) for Users
//! (RFC 7643 §4.1, §4.3 enterprise extension) and Groups (§4.2).
//!
//! - Attribute names are case-insensitive and may carry their schema URN
//!   (core User/Group; enterprise User for its attributes, which are also
//!   found without it). An unknown attribute or sub-attribute, or a value of
//!   the wrong type (`active eq "x"`, `meta.created gt "garbage"`, `co` on a
//!   date) is a 400 `invalidFilter`.
//! - `externalId` is the id the calling provisioning client (`source`) gave
//!   the resource; another client's ids are invisible.
//! - A multi-valued attribute named without a sub-attribute compares its
//!   `value` (`emails co "x"` is `emails.value co "x"`); `attr[filter]`
//!   holds when one value satisfies the whole bracketed filter.
//! - `eq null` is "no value", `ne null` is `pr`; `ne v` also matches a
//!   missing value (on a list: no value, or some value other than `v`), as
//!   `usso_scim::filter`'s evaluator does.
//! - An unsupported `sortBy` is a 400 `invalidValue` (§3.4.2.3 names no
//!   error; refusing beats silently ignoring the order asked for).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use usso_scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use usso_scim::{schema, ScimError, ScimType};

use crate::store::directory_query::{
    Cond, GroupCond, GroupField, GroupList, GroupSortField, ItemCond, ItemField, Op, UserCond,
    UserField, UserList, UserSortField, Value,
};

/// The type of a value an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Text,
    Time,
    Bool,
}

/// What an attribute path names.
enum Target<F, L> {
    Field(F, Ty),
    /// One sub-attribute of a multi-valued attribute.
    List(L, ItemField, Ty),
    /// A multi-valued attribute as a whole (for `attr[…]`, `attr pr`); its
    /// sub-attributes are resolved by `sub`.
    Whole(L, fn(&str) -> Option<(ItemField, Ty)>),
}

fn invalid_filter(detail: impl Into<String>) -> ScimError {
    ScimError::typed(ScimType::InvalidFilter).with_detail(detail)
}

fn unknown(path: &AttrPath) -> ScimError {
    invalid_filter(format!("unknown or unsupported attribute {}", show(path)))
}

fn show(path: &AttrPath) -> String {
    let mut s = String::new();
    if let Some(urn) = &path.urn {
        s.push_str(urn);
        s.push(':');
    }
    s.push_str(&path.name);
    if let Some(sub) = &path.sub {
        s.push('.');
        s.push_str(sub);
    }
    s
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Sub-attributes of the labeled lists (phoneNumbers, ims, photos,
/// entitlements, roles, x509Certificates).
fn labeled_sub(sub: &str) -> Option<(ItemField, Ty)> {
    Some(match lower(sub).as_str() {
        "value" => (ItemField::Value, Ty::Text),
        "type" => (ItemField::Key("type"), Ty::Text),
        "display" => (ItemField::Key("display"), Ty::Text),
        "primary" => (ItemField::Primary, Ty::Bool),
        _ => return None,
    })
}

fn email_sub(sub: &str) -> Option<(ItemField, Ty)> {
    Some(match lower(sub).as_str() {
        "value" => (ItemField::Value, Ty::Text),
        "type" => (ItemField::Key("type"), Ty::Text),
        "primary" => (ItemField::Primary, Ty::Bool),
        _ => return None,
    })
}

fn address_sub(sub: &str) -> Option<(ItemField, Ty)> {
    let key = match lower(sub).as_str() {
        "formatted" => "formatted",
        "streetaddress" => "street_address",
        "locality" => "locality",
        "region" => "region",
        "postalcode" => "postal_code",
        "country" => "country",
        "type" => "type",
        "primary" => return Some((ItemField::Primary, Ty::Bool)),
        _ => return None,
    };
    Some((ItemField::Key(key), Ty::Text))
}

/// Lists whose only sub-attribute is `value` (ids).
fn value_sub(sub: &str) -> Option<(ItemField, Ty)> {
    (lower(sub) == "value").then_some((ItemField::Value, Ty::Text))
}

/// Whether `urn` (if any) is `want`, or is among `also`.
fn urn_is(path: &AttrPath, want: &[&str]) -> bool {
    match &path.urn {
        None => true,
        Some(urn) => want.iter().any(|w| urn.eq_ignore_ascii_case(w)),
    }
}

fn user_target(path: &AttrPath, source: &str) -> Result<Target<UserField, UserList>, ScimError> {
    use Target::{Field, Whole};
    let name = lower(&path.name);
    let sub = path.sub.as_deref().map(lower);
    let enterprise = urn_is(path, &[schema::ENTERPRISE_USER]);
    let core = urn_is(path, &[schema::USER]);
    let text = |f| Ok(Field(f, Ty::Text));
    let list = |list: UserList, subs: fn(&str) -> Option<(ItemField, Ty)>| match &path.sub {
        None => Ok(Whole(list, subs)),
        Some(sub) => match subs(sub) {
            Some((item, ty)) => Ok(Target::List(list, item, ty)),
            None => Err(unknown(path)),
        },
    };
    let profile = |key| list(UserList::ProfileList(key), labeled_sub);
    match (name.as_str(), sub.as_deref()) {
        ("employeenumber", None) if enterprise => text(UserField::Employment("employee_number")),
        ("costcenter", None) if enterprise => text(UserField::Employment("cost_center")),
        ("organization", None) if enterprise => text(UserField::Employment("organization")),
        ("division", None) if enterprise => text(UserField::Employment("division")),
        ("department", None) if enterprise => text(UserField::Employment("department")),
        ("manager", None | Some("value")) if enterprise => text(UserField::ManagerId),
        _ if !core => Err(unknown(path)),
        ("id", None) => text(UserField::Id),
        ("username", None) => text(UserField::UserName),
        ("displayname", None) => text(UserField::DisplayName),
        ("name", Some("givenname")) => text(UserField::GivenName),
        ("name", Some("familyname")) => text(UserField::FamilyName),
        ("name", Some("formatted")) => text(UserField::ProfileText("formatted_name")),
        ("name", Some("middlename")) => text(UserField::ProfileText("middle_name")),
        ("name", Some("honorificprefix")) => text(UserField::ProfileText("honorific_prefix")),
        ("name", Some("honorificsuffix")) => text(UserField::ProfileText("honorific_suffix")),
        ("nickname", None) => text(UserField::ProfileText("nickname")),
        ("profileurl", None) => text(UserField::ProfileText("profile_url")),
        ("title", None) => text(UserField::ProfileText("title")),
        ("usertype", None) => text(UserField::ProfileText("user_type")),
        ("preferredlanguage", None) => text(UserField::ProfileText("preferred_language")),
        ("locale", None) => text(UserField::Locale),
        ("timezone", None) => text(UserField::ProfileText("timezone")),
        ("active", None) => Ok(Field(UserField::Active, Ty::Bool)),
        ("meta", Some("created")) => Ok(Field(UserField::Created, Ty::Time)),
        ("meta", Some("lastmodified")) => Ok(Field(UserField::LastModified, Ty::Time)),
        ("externalid", None) => Ok(Target::List(
            UserList::ExternalIds {
                source: source.to_owned(),
            },
            ItemField::Value,
            Ty::Text,
        )),
        ("emails", _) => list(UserList::Emails, email_sub),
        ("phonenumbers", _) => profile("phone_numbers"),
        ("ims", _) => profile("ims"),
        ("photos", _) => profile("photos"),
        ("entitlements", _) => profile("entitlements"),
        ("roles", _) => profile("roles"),
        ("x509certificates", _) => profile("x509_certificates"),
        ("addresses", _) => list(UserList::ProfileList("addresses"), address_sub),
        ("groups", _) => list(UserList::Groups, value_sub),
        _ => Err(unknown(path)),
    }
}

/// The attribute a leaf of the filter tests.
fn filter_path(filter: &Filter) -> Option<&AttrPath> {
    match filter {
        Filter::Present { path } | Filter::Compare { path, .. } => Some(path),
        Filter::ValuePath { attr, .. } => Some(attr),
        Filter::And(..) | Filter::Or(..) | Filter::Not(_) => None,
    }
}

/// A leaf on an attribute the resource type does not have: no value.
fn absent<F, L>(filter: &Filter) -> Result<Cond<F, L>, ScimError> {
    Ok(match filter {
        Filter::Compare { op, value, .. } => {
            let null = matches!(value, CompValue::Null);
            match op {
                CompareOp::Ne if !null => Cond::True,
                CompareOp::Eq if null => Cond::True,
                _ => Cond::False,
            }
        }
        _ => Cond::False,
    })
}

fn group_target(path: &AttrPath, source: &str) -> Result<Target<GroupField, GroupList>, ScimError> {
    if !urn_is(path, &[schema::GROUP]) {
        return Err(unknown(path));
    }
    let name = lower(&path.name);
    let sub = path.sub.as_deref().map(lower);
    Ok(match (name.as_str(), sub.as_deref()) {
        ("id", None) => Target::Field(GroupField::Id, Ty::Text),
        ("displayname", None) => Target::Field(GroupField::DisplayName, Ty::Text),
        ("meta", Some("created")) => Target::Field(GroupField::Created, Ty::Time),
        ("meta", Some("lastmodified")) => Target::Field(GroupField::LastModified, Ty::Time),
        ("externalid", None) => Target::List(
            GroupList::ExternalIds {
                source: source.to_owned(),
            },
            ItemField::Value,
            Ty::Text,
        ),
        ("members", None) => Target::Whole(GroupList::Members, value_sub),
        ("members", Some("value")) => Target::List(GroupList::Members, ItemField::Value, Ty::Text),
        _ => return Err(unknown(path)),
    })
}

/// The SCIM filter as a user condition, for the provisioning client `source`.
pub fn user_condition(filter: &Filter, source: &str) -> Result<UserCond, ScimError> {
    condition(filter, &|path| user_target(path, source), false)
}

/// The SCIM filter as a group condition, for the provisioning client `source`.
pub fn group_condition(filter: &Filter, source: &str) -> Result<GroupCond, ScimError> {
    condition(filter, &|path| group_target(path, source), false)
}

/// As [`user_condition`], for a filter that spans resource types (the root
/// `/.search`): an attribute Users do not have reads as absent (RFC 7644
/// §3.4.2.1), so `ne` and `not` match and every other test does not.
pub fn user_condition_spanning(filter: &Filter, source: &str) -> Result<UserCond, ScimError> {
    condition(filter, &|path| user_target(path, source), true)
}

/// As [`group_condition`], for a filter that spans resource types.
pub fn group_condition_spanning(filter: &Filter, source: &str) -> Result<GroupCond, ScimError> {
    condition(filter, &|path| group_target(path, source), true)
}

type Resolve<'a, F, L> = dyn Fn(&AttrPath) -> Result<Target<F, L>, ScimError> + 'a;

fn condition<F, L: Clone>(
    filter: &Filter,
    resolve: &Resolve<'_, F, L>,
    spanning: bool,
) -> Result<Cond<F, L>, ScimError> {
    if spanning {
        if let Some(path) = filter_path(filter) {
            if resolve(path).is_err() {
                return absent(filter);
            }
        }
    }
    let sub = |f: &Filter| condition(f, resolve, spanning);
    Ok(match filter {
        Filter::And(a, b) => Cond::And(vec![sub(a)?, sub(b)?]),
        Filter::Or(a, b) => Cond::Or(vec![sub(a)?, sub(b)?]),
        Filter::Not(inner) => Cond::Not(Box::new(sub(inner)?)),
        Filter::Present { path } => match resolve(path)? {
            Target::Field(field, _) => Cond::Present(field),
            Target::List(list, item, _) => any(list, Cond::Present(item)),
            Target::Whole(list, _) => any(list, Cond::True),
        },
        Filter::Compare { path, op, value } => {
            let (field_or_list, ty) = match resolve(path)? {
                Target::Field(field, ty) => (Ok(field), ty),
                Target::List(list, item, ty) => (Err((list, item)), ty),
                Target::Whole(list, subs) => match subs("value") {
                    Some((item, ty)) => (Err((list, item)), ty),
                    None => return Err(unknown(path)),
                },
            };
            match field_or_list {
                Ok(field) => compare(field, *op, value, ty, path)?,
                Err((list, item)) => list_compare(list, item, *op, value, ty, path)?,
            }
        }
        Filter::ValuePath { attr, filter } => match resolve(attr)? {
            Target::Whole(list, subs) => any(list, item_condition(filter, attr, subs)?),
            _ => {
                return Err(invalid_filter(format!(
                    "{} is not a multi-valued attribute",
                    show(attr)
                )))
            }
        },
    })
}

fn any<F, L>(list: L, item: ItemCond) -> Cond<F, L> {
    Cond::Any {
        list,
        item: Box::new(item),
    }
}

/// `op value` on a single value, with `null` as "no value".
fn compare<F, L>(
    field: F,
    op: CompareOp,
    value: &CompValue,
    ty: Ty,
    path: &AttrPath,
) -> Result<Cond<F, L>, ScimError> {
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq => Ok(Cond::Not(Box::new(Cond::Present(field)))),
            CompareOp::Ne => Ok(Cond::Present(field)),
            _ => Err(invalid_filter(format!(
                "{} {} null: only eq and ne compare with null",
                show(path),
                op.as_str()
            ))),
        };
    }
    Ok(Cond::Compare {
        field,
        op: operator(op, ty, path)?,
        value: convert(value, ty, path)?,
    })
}

/// `op value` on a sub-attribute of a list: some value matches; `ne` also
/// matches when the list is empty.
fn list_compare<F, L: Clone>(
    list: L,
    item: ItemField,
    op: CompareOp,
    value: &CompValue,
    ty: Ty,
    path: &AttrPath,
) -> Result<Cond<F, L>, ScimError> {
    let present = || any(list.clone(), Cond::Present(item));
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq => Ok(Cond::Not(Box::new(present()))),
            CompareOp::Ne => Ok(present()),
            _ => Err(invalid_filter(format!(
                "{} {} null: only eq and ne compare with null",
                show(path),
                op.as_str()
            ))),
        };
    }
    let matches = any(list.clone(), compare(item, op, value, ty, path)?);
    Ok(if op == CompareOp::Ne {
        Cond::Or(vec![matches, Cond::Not(Box::new(present()))])
    } else {
        matches
    })
}

/// The bracketed filter of `attr[…]`, on one value of the list.
fn item_condition(
    filter: &Filter,
    attr: &AttrPath,
    subs: fn(&str) -> Option<(ItemField, Ty)>,
) -> Result<ItemCond, ScimError> {
    let resolve = |path: &AttrPath| match (&path.urn, &path.sub, subs(&path.name)) {
        (None, None, Some((item, ty))) => Ok(Target::Field(item, ty)),
        _ => Err(invalid_filter(format!(
            "unknown or unsupported sub-attribute {} of {}",
            show(path),
            show(attr)
        ))),
    };
    condition(filter, &resolve, false)
}

fn operator(op: CompareOp, ty: Ty, path: &AttrPath) -> Result<Op, ScimError> {
    let mapped = match op {
        CompareOp::Eq => Op::Eq,
        CompareOp::Ne => Op::Ne,
        CompareOp::Co => Op::Co,
        CompareOp::Sw => Op::Sw,
        CompareOp::Ew => Op::Ew,
        CompareOp::Gt => Op::Gt,
        CompareOp::Ge => Op::Ge,
        CompareOp::Lt => Op::Lt,
        CompareOp::Le => Op::Le,
    };
    let fits = match ty {
        Ty::Text => true,
        Ty::Time => !matches!(mapped, Op::Co | Op::Sw | Op::Ew),
        Ty::Bool => matches!(mapped, Op::Eq | Op::Ne),
    };
    if fits {
        Ok(mapped)
    } else {
        Err(invalid_filter(format!(
            "{} does not apply to {}",
            op.as_str(),
            show(path)
        )))
    }
}

fn convert(value: &CompValue, ty: Ty, path: &AttrPath) -> Result<Value, ScimError> {
    let wrong = |what: &str| invalid_filter(format!("{} compares with {what}", show(path)));
    match (ty, value) {
        (Ty::Text, CompValue::String(s)) if s.contains('\0') => {
            Err(invalid_filter("a filter value cannot contain NUL"))
        }
        (Ty::Text, CompValue::String(s)) => Ok(Value::Text(s.clone())),
        (Ty::Text, _) => Err(wrong("a string")),
        (Ty::Bool, CompValue::True) => Ok(Value::Bool(true)),
        (Ty::Bool, CompValue::False) => Ok(Value::Bool(false)),
        (Ty::Bool, _) => Err(wrong("true or false")),
        (Ty::Time, CompValue::String(s)) => OffsetDateTime::parse(s, &Rfc3339)
            .map(Value::Time)
            .map_err(|_| wrong("an RFC 3339 date-time, e.g. \"2011-05-13T04:42:34Z\"")),
        (Ty::Time, _) => Err(wrong("an RFC 3339 date-time string")),
    }
}

fn invalid_sort(path: &AttrPath, supported: &str) -> ScimError {
    ScimError::typed(ScimType::InvalidValue).with_detail(format!(
        "cannot sort by {}; sortBy can be {supported}",
        show(path)
    ))
}

/// The user order `sortBy` names (RFC 7644 §3.4.2.3).
pub fn user_sort(path: &AttrPath) -> Result<UserSortField, ScimError> {
    const SUPPORTED: &str =
        "id, userName, displayName, name.givenName, name.familyName, meta.created, meta.lastModified";
    if !urn_is(path, &[schema::USER]) {
        return Err(invalid_sort(path, SUPPORTED));
    }
    let sub = path.sub.as_deref().map(lower);
    Ok(match (lower(&path.name).as_str(), sub.as_deref()) {
        ("id", None) => UserSortField::Id,
        ("username", None) => UserSortField::UserName,
        ("displayname", None) => UserSortField::DisplayName,
        ("name", Some("givenname")) => UserSortField::GivenName,
        ("name", Some("familyname")) => UserSortField::FamilyName,
        ("meta", Some("created")) => UserSortField::Created,
        ("meta", Some("lastmodified")) => UserSortField::LastModified,
        _ => return Err(invalid_sort(path, SUPPORTED)),
    })
}

/// The group order `sortBy` names (RFC 7644 §3.4.2.3).
pub fn group_sort(path: &AttrPath) -> Result<GroupSortField, ScimError> {
    const SUPPORTED: &str = "id, displayName, meta.created, meta.lastModified";
    if !urn_is(path, &[schema::GROUP]) {
        return Err(invalid_sort(path, SUPPORTED));
    }
    let sub = path.sub.as_deref().map(lower);
    Ok(match (lower(&path.name).as_str(), sub.as_deref()) {
        ("id", None) => GroupSortField::Id,
        ("displayname", None) => GroupSortField::DisplayName,
        ("meta", Some("created")) => GroupSortField::Created,
        ("meta", Some("lastmodified")) => GroupSortField::LastModified,
        _ => return Err(invalid_sort(path, SUPPORTED)),
    })
}

#[cfg(test)]
mod tests;
