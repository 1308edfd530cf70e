//! Organizations: each is created with its default project and the store's holder as a member.

use serde_json::json;

use super::Tx;
use super::{MemberRecord, Org, OrgRecord, ProjectKind, ProjectRecord, ProjectState, Store};
use crate::db::{Table, Written};
use crate::domain::{from_unix, validate_name, Id, IdKind, OrgKind};
use crate::error::{Error, Result};

pub(crate) const DEFAULT_PROJECT_NAME: &str = "Default project";

impl Store {
    pub(crate) fn org_view(&self, id: &str, r: OrgRecord) -> Org {
        Org {
            id: id.to_owned(),
            name: r.name,
            kind: r.kind,
            created_at: from_unix(r.created_at),
            default_project_id: r.default_project_id,
        }
    }

    pub(crate) fn create_org_in(&self, tx: &Tx<'_>, name: &str, kind: OrgKind) -> Result<Org> {
        validate_name("organization", name)?;
        let now = self.now().timestamp();
        let org_id = Id::generate(IdKind::Org);
        let project_id = Id::generate(IdKind::Project);
        let record =
            OrgRecord { name: name.to_owned(), kind, created_at: now, default_project_id: project_id.to_string() };
        let row = self.seal_record(Table::Orgs, org_id.as_str(), "", &self.lookup(Table::Orgs, "", name), &record)?;
        if tx.record_insert(Table::Orgs, &row)? == Written::NameTaken {
            return Err(Error::conflict(format!("an organization named {name:?} already exists")));
        }
        let project = ProjectRecord {
            name: super::orgs::DEFAULT_PROJECT_NAME.to_owned(),
            description: None,
            kind: ProjectKind::Default,
            state: ProjectState::Active,
            created_at: now,
            limits: Default::default(),
        };
        let lookup = &self.lookup(Table::Projects, org_id.as_str(), &project.name);
        tx.record_insert(
            Table::Projects,
            &self.seal_record(Table::Projects, project_id.as_str(), org_id.as_str(), lookup, &project)?,
        )?
        .or_taken(|| Error::conflict(format!("a project named {:?} already exists", project.name)))?;
        let holder = self.holder_identity(tx)?;
        let member_id = Id::generate(IdKind::Member);
        let member = MemberRecord {
            email: holder.email.clone(),
            name: None,
            role: Some(crate::domain::Permission::All),
            project_roles: Default::default(),
            is_holder: true,
            created_at: now,
        };
        let lookup = &self.lookup(Table::Members, org_id.as_str(), &holder.email);
        tx.record_insert(
            Table::Members,
            &self.seal_record(Table::Members, member_id.as_str(), org_id.as_str(), lookup, &member)?,
        )?
        .or_taken(|| Error::conflict(format!("a member with email {:?} already exists", holder.email)))?;
        self.audit(tx, "org.created", Some(org_id.as_str()), None, json!({ "kind": record.kind.as_str() }))?;
        self.audit(
            tx,
            "project.created",
            Some(project_id.as_str()),
            Some(project_id.as_str()),
            json!({ "default": true }),
        )?;
        Ok(self.org_view(org_id.as_str(), record))
    }

    pub fn create_org(&self, name: &str, kind: OrgKind) -> Result<Org> {
        self.write(|tx| self.create_org_in(tx, name, kind))
    }

    pub(crate) fn orgs_in(&self, tx: &Tx<'_>) -> Result<Vec<Org>> {
        let mut orgs = Vec::new();
        for row in tx.records(Table::Orgs, None)? {
            let record: OrgRecord = self.open_record(tx, Table::Orgs, &row)?;
            orgs.push(self.org_view(&row.id, record));
        }
        orgs.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.name.cmp(&b.name)));
        Ok(orgs)
    }

    pub fn list_orgs(&self) -> Result<Vec<Org>> {
        self.read(|tx| self.orgs_in(tx))
    }

    /// Finds an org by id or name.
    pub(crate) fn find_org(&self, tx: &Tx<'_>, id_or_name: &str) -> Result<Org> {
        let row = if Id::is_of_kind(id_or_name, IdKind::Org) {
            tx.record_get(Table::Orgs, id_or_name)?
        } else {
            tx.record_by_lookup(Table::Orgs, &self.lookup(Table::Orgs, "", id_or_name))?
        };
        match row {
            Some(row) => {
                let record: OrgRecord = self.open_record(tx, Table::Orgs, &row)?;
                Ok(self.org_view(&row.id, record))
            }
            None => {
                let names: Vec<String> = self.orgs_in(tx)?.into_iter().map(|o| o.name).collect();
                Err(Error::NotFound {
                    what: "organization",
                    name: id_or_name.to_owned(),
                    hint: super::suggest(id_or_name, &names),
                })
            }
        }
    }

    /// The org a command works in: the explicit choice (`--org`, `KEYCTL_ORG`), else the
    /// configured default, else the only org. With several and no choice, it says which
    /// exist rather than guess.
    pub(crate) fn select_org_in(&self, tx: &Tx<'_>, explicit: Option<&str>, default: Option<&str>) -> Result<Org> {
        if let Some(sel) = explicit {
            return self.find_org(tx, sel);
        }
        if let Some(sel) = default {
            return self.find_org(tx, sel).map_err(|e| match e {
                Error::NotFound { .. } => Error::refused(format!(
                    "the default organization {sel:?} in the config no longer exists; run `keyctl org use ORG`"
                )),
                other => other,
            });
        }
        let mut orgs = self.orgs_in(tx)?;
        match orgs.len() {
            0 => Err(Error::refused("the store has no organization; create one with `keyctl org create NAME`")),
            1 => Ok(orgs.remove(0)),
            _ => {
                let names: Vec<String> = orgs.iter().map(|o| format!("{} ({})", o.name, o.id)).collect();
                Err(Error::Usage(format!(
                    "several organizations exist ({}); choose one with --org, KEYCTL_ORG or `keyctl org use ORG`",
                    names.join(", ")
                )))
            }
        }
    }

    pub fn select_org(&self, explicit: Option<&str>, default: Option<&str>) -> Result<Org> {
        self.read(|tx| self.select_org_in(tx, explicit, default))
    }

    pub fn rename_org(&self, org: &str, new_name: &str) -> Result<Org> {
        validate_name("organization", new_name)?;
        self.write(|tx| {
            let current = self.find_org(tx, org)?;
            let row = tx.record_get(Table::Orgs, &current.id)?.ok_or_else(|| Error::not_found("organization", org))?;
            let mut record: OrgRecord = self.open_record(tx, Table::Orgs, &row)?;
            let old = std::mem::replace(&mut record.name, new_name.to_owned());
            let sealed =
                self.seal_record(Table::Orgs, &current.id, "", &self.lookup(Table::Orgs, "", new_name), &record)?;
            if tx.record_update(Table::Orgs, &sealed)? == Written::NameTaken {
                return Err(Error::conflict(format!("an organization named {new_name:?} already exists")));
            }
            self.audit(tx, "org.renamed", Some(&current.id), None, json!({ "from": old, "to": new_name }))?;
            Ok(self.org_view(&current.id, record))
        })
    }

    /// Turns a personal org into a team org (which can have service accounts).
    pub fn upgrade_org(&self, org: &str) -> Result<Org> {
        self.write(|tx| {
            let current = self.find_org(tx, org)?;
            if current.kind == OrgKind::Organization {
                // Already a team org: nothing to do, and not an error for scripts.
                return Ok(current);
            }
            let row = tx.record_get(Table::Orgs, &current.id)?.ok_or_else(|| Error::not_found("organization", org))?;
            let mut record: OrgRecord = self.open_record(tx, Table::Orgs, &row)?;
            record.kind = OrgKind::Organization;
            tx.record_update(Table::Orgs, &self.seal_record(Table::Orgs, &current.id, "", &row.lookup, &record)?)?
                .or_taken(|| Error::conflict(format!("an organization named {:?} already exists", record.name)))?;
            self.audit(tx, "org.upgraded", Some(&current.id), None, json!({ "kind": "organization" }))?;
            Ok(self.org_view(&current.id, record))
        })
    }

    pub fn show_org(&self, org: &str) -> Result<Org> {
        self.read(|tx| self.find_org(tx, org))
    }

    /// Deletes an org and everything in it: projects, members, service accounts and keys
    /// (which therefore stop verifying at once). The audit log keeps the trail.
    pub fn delete_org(&self, org: &str) -> Result<Org> {
        self.write(|tx| {
            let current = self.find_org(tx, org)?;
            let keys = tx.keys(crate::db::KeysOf::Org(&current.id))?;
            for key in &keys {
                tx.key_delete(&key.id)?;
            }
            for project in tx.records(Table::Projects, Some(&current.id))? {
                for sa in tx.records(Table::ServiceAccounts, Some(&project.id))? {
                    tx.record_delete(Table::ServiceAccounts, &sa.id)?;
                }
                tx.record_delete(Table::Projects, &project.id)?;
            }
            for member in tx.records(Table::Members, Some(&current.id))? {
                tx.record_delete(Table::Members, &member.id)?;
            }
            tx.record_delete(Table::Orgs, &current.id)?;
            self.audit(tx, "org.deleted", Some(&current.id), None, json!({ "keys_removed": keys.len() }))?;
            Ok(current)
        })
    }
}
