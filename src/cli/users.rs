//! `usso user create|list|show|disable|enable|delete|set-password`.

use serde_json::json;

use super::args::UserCommand;
use super::output::{self, JsonArray};
use super::{read_stdin_secret, tenant};
use crate::core::event::Actor;
use crate::core::user::{Email, User, UserFields, UserStatus};
use crate::http::admin::views::UserView;
use crate::service::Hub;
use crate::store::Page;

fn line(u: &User) -> String {
    let email = u.primary_email().map_or("-", |e| e.value.as_str());
    format!("{}\t{}\t{}\t{}", u.id, u.username, email, u.status.as_str())
}

pub async fn run(hub: &Hub, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create {
            tenant: t,
            username,
            email,
            given_name,
            family_name,
            display_name,
            password_stdin,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let password = if password_stdin {
                Some(read_stdin_secret("password")?)
            } else {
                None
            };
            let fields = UserFields {
                username,
                emails: email
                    .into_iter()
                    .map(|value| Email {
                        value,
                        verified: false,
                        primary: true,
                        kind: None,
                    })
                    .collect(),
                given_name,
                family_name,
                display_name,
                ..UserFields::default()
            };
            let user = hub.create_user(Actor::Cli, &t, fields, password).await?;
            output::emit(json.json, &UserView::from(&user), || {
                format!("created user {} ({})", user.username, user.id)
            })
        }
        UserCommand::List {
            tenant: t,
            filter,
            limit,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            // A bad filter must fail before the JSON array is opened.
            if let Some(raw) = filter.as_deref() {
                crate::core::filter::Filter::parse(raw, crate::store::users::FILTER_ATTRIBUTES)?;
            }
            let mut remaining = limit.unwrap_or(u64::MAX);
            let mut after: Option<String> = None;
            let stdout = std::io::stdout();
            let mut array = if json.json {
                Some(JsonArray::start(stdout.lock())?)
            } else {
                None
            };
            while remaining > 0 {
                let batch = u32::try_from(remaining.min(500)).unwrap_or(500);
                let page = Page {
                    after: after.as_deref(),
                    limit: batch,
                };
                let users = hub.list_users(&t, filter.as_deref(), page).await?;
                for u in &users {
                    match array.as_mut() {
                        Some(a) => a.item(&UserView::from(u))?,
                        None => println!("{}", line(u)),
                    }
                }
                remaining = remaining.saturating_sub(users.len() as u64);
                match users.last() {
                    Some(last) if users.len() == batch as usize => {
                        after = Some(last.id.to_string())
                    }
                    _ => break,
                }
            }
            if let Some(a) = array {
                a.finish()?;
            }
            Ok(())
        }
        UserCommand::Show {
            tenant: t,
            user,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let u = hub.find_user(&t, &user).await?;
            output::emit(json.json, &UserView::from(&u), || line(&u))
        }
        UserCommand::Disable {
            tenant: t,
            user,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let u = hub.find_user(&t, &user).await?;
            let u = hub
                .set_user_status(Actor::Cli, &t, u.id, UserStatus::Disabled)
                .await?;
            output::emit(json.json, &UserView::from(&u), || {
                format!("disabled user {}", u.username)
            })
        }
        UserCommand::Enable {
            tenant: t,
            user,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let u = hub.find_user(&t, &user).await?;
            let u = hub
                .set_user_status(Actor::Cli, &t, u.id, UserStatus::Active)
                .await?;
            output::emit(json.json, &UserView::from(&u), || {
                format!("enabled user {}", u.username)
            })
        }
        UserCommand::Delete {
            tenant: t,
            user,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let u = hub.find_user(&t, &user).await?;
            hub.delete_user(Actor::Cli, &t, u.id).await?;
            output::emit(json.json, &json!({ "deleted": u.id }), || {
                format!("deleted user {} ({})", u.username, u.id)
            })
        }
        UserCommand::SetPassword {
            tenant: t,
            user,
            password_stdin: _,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let u = hub.find_user(&t, &user).await?;
            let password = read_stdin_secret("password")?;
            hub.set_password(Actor::Cli, &t, u.id, password).await?;
            output::emit(
                json.json,
                &json!({ "id": u.id, "password_set": true }),
                || format!("password set for {}", u.username),
            )
        }
    }
}
