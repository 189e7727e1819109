//! SCIM User (RFC 7643 §4.1) and Enterprise User (§4.3) ↔ core user: the
//! JSON a client reads, and the core fields a client's resource becomes.
//!
//! The resource handed to [`user_write`] has been through the schema check
//! (`ResourceType::check_write`): attribute names are canonical and values
//! have the schema's types, so this module only maps.

use serde_json::{json, Map, Value};
use usso_scim::schema::{ENTERPRISE_USER, USER};
use usso_scim::{ScimError, ScimType};

use super::context::{Reader, ScimClient};
use crate::core::user::{Email, ExternalId, User, UserFields, UserStatus};
use crate::core::user_profile::{Address, Employment, Labeled, Manager, UserProfile};
use crate::core::GroupId;
use crate::service::provisioning::UserState;

/// A group a user belongs to, as the user's `groups` attribute lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub id: GroupId,
    pub name: String,
}

/// The SCIM representation of `user` for `client`: every attribute with a
/// value, the client's own `externalId`, `meta` with location and version.
pub fn user_resource(reader: Reader<'_>, user: &User, groups: &[GroupRef]) -> Value {
    let p = &user.profile;
    let mut out = Map::new();
    let mut schemas = vec![Value::from(USER)];
    out.insert("id".into(), user.id.to_string().into());
    if let Some(ext) = user
        .external_ids
        .iter()
        .find(|x| Some(x.source.as_str()) == reader.source)
    {
        out.insert("externalId".into(), ext.id.clone().into());
    }
    out.insert("userName".into(), user.username.clone().into());
    let mut name = Map::new();
    put(&mut name, "formatted", &p.formatted_name);
    put(&mut name, "familyName", &user.family_name);
    put(&mut name, "givenName", &user.given_name);
    put(&mut name, "middleName", &p.middle_name);
    put(&mut name, "honorificPrefix", &p.honorific_prefix);
    put(&mut name, "honorificSuffix", &p.honorific_suffix);
    if !name.is_empty() {
        out.insert("name".into(), Value::Object(name));
    }
    put(&mut out, "displayName", &user.display_name);
    put(&mut out, "nickName", &p.nickname);
    put(&mut out, "profileUrl", &p.profile_url);
    put(&mut out, "title", &p.title);
    put(&mut out, "userType", &p.user_type);
    put(&mut out, "preferredLanguage", &p.preferred_language);
    put(&mut out, "locale", &user.locale);
    put(&mut out, "timezone", &p.timezone);
    // A client that left `active` unstated reads none back, whatever the
    // status (it may have been set through the admin API or a PATCH remove).
    if !p.status_unstated {
        out.insert("active".into(), (user.status == UserStatus::Active).into());
    }
    if !user.emails.is_empty() {
        let emails = user.emails.iter().map(email_json).collect();
        out.insert("emails".into(), Value::Array(emails));
    }
    let phones = phone_numbers(user);
    put_list(&mut out, "phoneNumbers", &phones);
    put_list(&mut out, "ims", &p.ims);
    put_list(&mut out, "photos", &p.photos);
    if !p.addresses.is_empty() {
        let addresses = p.addresses.iter().map(address_json).collect();
        out.insert("addresses".into(), Value::Array(addresses));
    }
    if !groups.is_empty() {
        let groups = groups
            .iter()
            .map(|g| {
                json!({
                    "value": g.id.to_string(),
                    "$ref": reader.location("Groups", &g.id.to_string()),
                    "display": g.name,
                    "type": "direct",
                })
            })
            .collect();
        out.insert("groups".into(), Value::Array(groups));
    }
    put_list(&mut out, "entitlements", &p.entitlements);
    put_list(&mut out, "roles", &p.roles);
    put_list(&mut out, "x509Certificates", &p.x509_certificates);
    if !p.employment.is_empty() {
        schemas.push(ENTERPRISE_USER.into());
        out.insert(
            ENTERPRISE_USER.into(),
            employment_json(reader, &p.employment),
        );
    }
    out.insert(
        "meta".into(),
        super::meta(
            reader,
            "User",
            "Users",
            &user.id.to_string(),
            user.created_at,
            user.updated_at,
            user.version,
        ),
    );
    out.insert("schemas".into(), Value::Array(schemas));
    Value::Object(out)
}

/// What a client's User resource asks the core to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWrite {
    pub fields: UserFields,
    pub status: UserStatus,
    /// A new password (the write-only `password` attribute), to be checked
    /// against the password policy and hashed.
    pub password: Option<String>,
}

impl UserWrite {
    pub fn into_state(self) -> UserState {
        UserState {
            fields: self.fields,
            status: self.status,
            password: self.password,
        }
    }
}

/// Maps a canonical User resource to core fields. `prior` is the stored user
/// on a replace: its email verification flags and other clients' external
/// ids are kept.
pub fn user_write(
    client: &ScimClient,
    resource: &Value,
    prior: Option<&User>,
) -> Result<UserWrite, ScimError> {
    let username = text(resource, "userName").ok_or_else(|| {
        ScimError::typed(ScimType::InvalidValue).with_detail("attribute 'userName' is required")
    })?;
    let name = resource.get("name");
    let sub = |key: &str| name.and_then(|n| text(n, key));
    let emails = list(resource, "emails")
        .iter()
        .filter_map(|e| {
            let value = text(e, "value")?;
            let verified = prior
                .and_then(|u| {
                    u.emails
                        .iter()
                        .find(|old| old.value.eq_ignore_ascii_case(&value))
                })
                .is_some_and(|old| old.verified);
            Some(Email {
                value,
                verified,
                primary: flag(e, "primary"),
                kind: text(e, "type"),
            })
        })
        .collect();
    let source = client.source();
    let mut external_ids: Vec<ExternalId> = prior
        .map(|u| {
            u.external_ids
                .iter()
                .filter(|x| x.source != source)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if let Some(id) = text(resource, "externalId") {
        external_ids.push(ExternalId { source, id });
    }
    let phone_numbers = labeled_list(resource, "phoneNumbers");
    let enterprise = resource.get(ENTERPRISE_USER);
    let ent = |key: &str| enterprise.and_then(|e| text(e, key));
    let manager = enterprise.and_then(|e| e.get("manager")).and_then(|m| {
        Some(Manager {
            id: text(m, "value")?,
            display_name: text(m, "displayName"),
        })
    });
    let profile = UserProfile {
        formatted_name: sub("formatted"),
        middle_name: sub("middleName"),
        honorific_prefix: sub("honorificPrefix"),
        honorific_suffix: sub("honorificSuffix"),
        nickname: text(resource, "nickName"),
        profile_url: text(resource, "profileUrl"),
        title: text(resource, "title"),
        user_type: text(resource, "userType"),
        preferred_language: text(resource, "preferredLanguage"),
        timezone: text(resource, "timezone"),
        phone_numbers,
        ims: labeled_list(resource, "ims"),
        photos: labeled_list(resource, "photos"),
        addresses: list(resource, "addresses").iter().map(address).collect(),
        entitlements: labeled_list(resource, "entitlements"),
        roles: labeled_list(resource, "roles"),
        x509_certificates: labeled_list(resource, "x509Certificates"),
        employment: Employment {
            employee_number: ent("employeeNumber"),
            cost_center: ent("costCenter"),
            organization: ent("organization"),
            division: ent("division"),
            department: ent("department"),
            manager,
        },
        status_unstated: !matches!(resource.get("active"), Some(Value::Bool(_))),
    };
    let fields = UserFields {
        username,
        emails,
        phone: profile.primary_phone().map(str::to_owned),
        given_name: sub("givenName"),
        family_name: sub("familyName"),
        display_name: text(resource, "displayName"),
        locale: text(resource, "locale"),
        external_ids,
        profile: Some(profile),
    };
    let status = match resource.get("active") {
        Some(Value::Bool(false)) => UserStatus::Disabled,
        Some(Value::Bool(true)) => UserStatus::Active,
        // Absent on a replace means "not managed by this client": keep it.
        _ => prior.map_or(UserStatus::Active, |u| u.status),
    };
    Ok(UserWrite {
        fields,
        status,
        password: resource
            .get("password")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// `phoneNumbers` as stored; a user whose only phone came from elsewhere (the
/// admin API, an upstream IdP) shows it as one value.
fn phone_numbers(user: &User) -> Vec<Labeled> {
    if user.profile.phone_numbers.is_empty() {
        return user
            .phone
            .iter()
            .map(|p| Labeled {
                value: p.clone(),
                primary: true,
                ..Labeled::default()
            })
            .collect();
    }
    user.profile.phone_numbers.clone()
}

fn email_json(e: &Email) -> Value {
    let mut m = Map::new();
    m.insert("value".into(), e.value.clone().into());
    put(&mut m, "type", &e.kind);
    m.insert("primary".into(), e.primary.into());
    Value::Object(m)
}

fn labeled_json(v: &Labeled) -> Value {
    let mut m = Map::new();
    m.insert("value".into(), v.value.clone().into());
    put(&mut m, "display", &v.display);
    put(&mut m, "type", &v.kind);
    m.insert("primary".into(), v.primary.into());
    Value::Object(m)
}

fn address_json(a: &Address) -> Value {
    let mut m = Map::new();
    put(&mut m, "formatted", &a.formatted);
    put(&mut m, "streetAddress", &a.street_address);
    put(&mut m, "locality", &a.locality);
    put(&mut m, "region", &a.region);
    put(&mut m, "postalCode", &a.postal_code);
    put(&mut m, "country", &a.country);
    put(&mut m, "type", &a.kind);
    m.insert("primary".into(), a.primary.into());
    Value::Object(m)
}

fn employment_json(reader: Reader<'_>, e: &Employment) -> Value {
    let mut m = Map::new();
    put(&mut m, "employeeNumber", &e.employee_number);
    put(&mut m, "costCenter", &e.cost_center);
    put(&mut m, "organization", &e.organization);
    put(&mut m, "division", &e.division);
    put(&mut m, "department", &e.department);
    if let Some(manager) = &e.manager {
        let mut mm = Map::new();
        mm.insert("value".into(), manager.id.clone().into());
        mm.insert("$ref".into(), reader.location("Users", &manager.id).into());
        put(&mut mm, "displayName", &manager.display_name);
        m.insert("manager".into(), Value::Object(mm));
    }
    Value::Object(m)
}

fn address(v: &Value) -> Address {
    Address {
        formatted: text(v, "formatted"),
        street_address: text(v, "streetAddress"),
        locality: text(v, "locality"),
        region: text(v, "region"),
        postal_code: text(v, "postalCode"),
        country: text(v, "country"),
        kind: text(v, "type"),
        primary: flag(v, "primary"),
    }
}

fn labeled_list(resource: &Value, key: &str) -> Vec<Labeled> {
    list(resource, key)
        .iter()
        .filter_map(|v| {
            Some(Labeled {
                value: text(v, "value")?,
                kind: text(v, "type"),
                display: text(v, "display"),
                primary: flag(v, "primary"),
            })
        })
        .collect()
}

fn put_list(out: &mut Map<String, Value>, key: &str, values: &[Labeled]) {
    if !values.is_empty() {
        out.insert(
            key.into(),
            Value::Array(values.iter().map(labeled_json).collect()),
        );
    }
}

fn put(out: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.insert(key.into(), v.clone().into());
    }
}

pub(super) fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}
