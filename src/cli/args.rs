//! The command-line grammar (clap). Names and flags here are a contract
//! that scripts rely on: change them only by adding.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Layer;

#[derive(Debug, Parser)]
#[command(name = "usso", version, about = "USSO: a multi-tenant identity hub")]
pub struct Cli {
    /// A TOML configuration file (also USSO_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on (USSO_LISTEN) [default: 127.0.0.1:8080].
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// sqlite://PATH or postgres://… (USSO_DATABASE_URL) [default: sqlite in the data dir].
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Where the SQLite database and the master key live (USSO_DATA_DIR) [default: ./usso-data].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The URL users reach USSO at (USSO_PUBLIC_URL) [default: from --listen].
    #[arg(long, global = true, value_name = "URL")]
    pub public_url: Option<String>,
    /// The master key file (USSO_MASTER_KEY_FILE) [default: DATA_DIR/master.key].
    #[arg(long, global = true, value_name = "FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Log format: text or json (USSO_LOG_FORMAT).
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, e.g. info or usso=debug (USSO_LOG_LEVEL).
    #[arg(long, global = true, value_name = "FILTER")]
    pub log_level: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The flags as the last configuration layer.
    pub fn flags(&self) -> Layer {
        Layer {
            listen: self.listen.clone(),
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            public_url: self.public_url.clone(),
            master_key_file: self.master_key_file.clone(),
            log_format: self.log_format.clone(),
            log_level: self.log_level.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrates first; bootstraps an empty installation).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check the configuration without starting.
    ValidateConfig,
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage groups and their members.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Manage roles and their assignments.
    #[command(subcommand)]
    Role(RoleCommand),
    /// Manage workspaces (sub-organizations of a tenant).
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Manage API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Manage OAuth / OpenID Connect clients (applications).
    #[command(subcommand)]
    Client(Box<super::clients::ClientCommand>),
    /// Manage a tenant's token-signing keys.
    #[command(subcommand)]
    Keys(super::keys::KeysCommand),
    /// Manage the SAML service providers (applications) of a tenant's IdP.
    #[command(subcommand, name = "saml-sp")]
    SamlSp(Box<super::saml_sps::SamlSpCommand>),
    /// Manage the upstream identity providers a tenant's users log in
    /// through.
    #[command(subcommand)]
    Idp(Box<super::idps::IdpCommand>),
    /// Manage the LDAP / Active Directory sources a tenant syncs users and
    /// groups from, and run their syncs.
    #[command(subcommand)]
    Ldap(Box<super::ldap::LdapCommand>),
}

#[derive(Debug, Args)]
pub struct Json {
    /// Print JSON on stdout and nothing else.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TenantArg {
    /// The tenant's slug.
    #[arg(long, value_name = "SLUG")]
    pub tenant: String,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        slug: String,
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Show a tenant.
    Show {
        slug: String,
        #[command(flatten)]
        json: Json,
    },
    /// List tenants.
    List {
        #[command(flatten)]
        json: Json,
    },
    /// Delete a tenant and everything it holds.
    Delete {
        slug: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        given_name: Option<String>,
        #[arg(long)]
        family_name: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from stdin (one trailing newline stripped).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        json: Json,
    },
    /// List users (all matching ones, streamed, unless --limit).
    List {
        #[command(flatten)]
        tenant: TenantArg,
        /// e.g. 'username sw "al" and status eq active' (attributes: username,
        /// email, status, given_name, family_name, display_name, external_id;
        /// operators: eq, sw, co).
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        limit: Option<u64>,
        #[command(flatten)]
        json: Json,
    },
    /// Show a user (by id, username or email).
    Show {
        #[command(flatten)]
        tenant: TenantArg,
        user: String,
        #[command(flatten)]
        json: Json,
    },
    /// Disable a user (ends its sessions).
    Disable {
        #[command(flatten)]
        tenant: TenantArg,
        user: String,
        #[command(flatten)]
        json: Json,
    },
    /// Enable a disabled user.
    Enable {
        #[command(flatten)]
        tenant: TenantArg,
        user: String,
        #[command(flatten)]
        json: Json,
    },
    /// Delete a user.
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        user: String,
        #[command(flatten)]
        json: Json,
    },
    /// Set a user's password, read from stdin.
    SetPassword {
        #[command(flatten)]
        tenant: TenantArg,
        user: String,
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct MemberArg {
    /// A user (id, username or email).
    #[arg(long)]
    pub user: Option<String>,
    /// A group (id or name).
    #[arg(long)]
    pub group: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        name: String,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// List groups.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Show a group and its direct members.
    Show {
        #[command(flatten)]
        tenant: TenantArg,
        group: String,
        #[command(flatten)]
        json: Json,
    },
    /// Delete a group.
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        group: String,
        #[command(flatten)]
        json: Json,
    },
    /// Add a user or a group to a group.
    AddMember {
        #[command(flatten)]
        tenant: TenantArg,
        /// The group (id or name) to change.
        #[arg(id = "target_group", value_name = "GROUP")]
        group: String,
        #[command(flatten)]
        member: MemberArg,
        #[command(flatten)]
        json: Json,
    },
    /// Remove a user or a group from a group.
    RemoveMember {
        #[command(flatten)]
        tenant: TenantArg,
        /// The group (id or name) to change.
        #[arg(id = "target_group", value_name = "GROUP")]
        group: String,
        #[command(flatten)]
        member: MemberArg,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Create a role.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// A permission (scope) the role grants; repeat for more.
        #[arg(long = "permission", value_name = "SCOPE")]
        permissions: Vec<String>,
        #[command(flatten)]
        json: Json,
    },
    /// List roles.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Show a role and its assignments.
    Show {
        #[command(flatten)]
        tenant: TenantArg,
        role: String,
        #[command(flatten)]
        json: Json,
    },
    /// Delete a role and its assignments.
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        role: String,
        #[command(flatten)]
        json: Json,
    },
    /// Assign a role to a user or a group.
    Assign {
        #[command(flatten)]
        tenant: TenantArg,
        role: String,
        #[command(flatten)]
        member: MemberArg,
        /// Only inside this workspace (id or slug).
        #[arg(long)]
        workspace: Option<String>,
        /// The assignment ends after this long, e.g. 30d or 12h.
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Remove a role from a user or a group.
    Unassign {
        #[command(flatten)]
        tenant: TenantArg,
        role: String,
        #[command(flatten)]
        member: MemberArg,
        #[arg(long)]
        workspace: Option<String>,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        slug: String,
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// List workspaces.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Delete a workspace.
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        workspace: String,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key; its token is printed once.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        name: String,
        /// admin or scim; repeat for more.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The key stops working after this long, e.g. 90d.
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
        #[command(flatten)]
        json: Json,
    },
    /// List API keys (never their tokens).
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Delete (revoke) an API key.
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        id: String,
        #[command(flatten)]
        json: Json,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_grammar_is_consistent() {
        // Catches clashing argument names in every subcommand, which clap
        // otherwise only reports when that subcommand is first used.
        super::Cli::command().debug_assert();
    }
}
