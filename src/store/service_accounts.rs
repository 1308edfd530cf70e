//! Service accounts: machine principals with one role in one project, not available in
//! personal orgs. Creating one issues its first key; deleting one revokes its keys.

use serde_json::json;

use super::Tx;
use super::{KeyCreate, NewKey, ServiceAccount, ServiceAccountRecord, Store};
use crate::db::{KeysOf, RecordRow, Table, Written};
use crate::domain::{from_unix, validate_name, Id, IdKind, OrgKind, Permission, ProjectStatus};
use crate::error::{Error, Result};

impl Store {
    fn sa_view(&self, row: &RecordRow, org_id: &str, r: ServiceAccountRecord) -> ServiceAccount {
        ServiceAccount {
            id: row.id.clone(),
            org_id: org_id.to_owned(),
            project_id: row.parent.clone(),
            name: r.name,
            role: r.role,
            created_at: from_unix(r.created_at),
        }
    }

    /// Finds a service account by id, or by name in `project` (or, without one, in any
    /// project of the org when the name is unambiguous).
    fn find_service_account(
        &self,
        tx: &Tx<'_>,
        org_id: &str,
        project: Option<&str>,
        id_or_name: &str,
    ) -> Result<ServiceAccount> {
        let project_ids: Vec<String> = match project {
            Some(p) => vec![self.find_project(tx, org_id, p)?.id],
            None => self.projects_in(tx, org_id)?.into_iter().map(|p| p.id).collect(),
        };
        let mut found = Vec::new();
        for p in &project_ids {
            if let Ok(id) = self.find_service_account_id(tx, org_id, p, id_or_name) {
                if !found.contains(&id) {
                    found.push(id);
                }
            }
        }
        match found.len() {
            0 => Err(Error::not_found("service account", id_or_name)),
            1 => {
                let row = tx
                    .record_get(Table::ServiceAccounts, &found[0])?
                    .ok_or_else(|| Error::not_found("service account", id_or_name))?;
                let r = self.open_record(tx, Table::ServiceAccounts, &row)?;
                Ok(self.sa_view(&row, org_id, r))
            }
            _ => Err(Error::Usage(format!(
                "several projects have a service account named {id_or_name:?}; pass --project or an id ({})",
                found.join(", ")
            ))),
        }
    }

    /// Creates a service account and its first key (returned once).
    pub fn create_service_account(
        &self,
        org_id: &str,
        name: &str,
        project: Option<&str>,
        role: Permission,
        first_key: &KeyCreate,
    ) -> Result<(ServiceAccount, NewKey)> {
        validate_name("service account", name)?;
        self.write(|tx| {
            let org = self.find_org(tx, org_id)?;
            if org.kind == OrgKind::Personal {
                return Err(Error::refused(format!(
                    "organization {:?} is personal and cannot have service accounts; run `keyctl org upgrade {}` first",
                    org.name, org.id
                )));
            }
            let project = self.target_project(tx, org_id, project)?;
            if project.status == ProjectStatus::Archived {
                return Err(Error::refused(format!("project {:?} is archived", project.name)));
            }
            let id = Id::generate(IdKind::ServiceAccount);
            let record = ServiceAccountRecord { name: name.to_owned(), role, created_at: self.now().timestamp() };
            let row = self.seal_record(
                Table::ServiceAccounts,
                id.as_str(),
                &project.id,
                &self.lookup(Table::ServiceAccounts, &project.id, name),
                &record,
            )?;
            if tx.record_insert(Table::ServiceAccounts, &row)? == Written::NameTaken {
                return Err(Error::conflict(format!(
                    "project {:?} already has a service account named {name:?}",
                    project.name
                )));
            }
            self.audit(tx, "service_account.created", Some(id.as_str()), Some(&project.id), json!({ "role": role }))?;
            let sa = self.sa_view(&row, org_id, record);
            // The account and its first key are one transaction: both or neither.
            let spec = KeyCreate {
                project: Some(sa.project_id.clone()),
                service_account: Some(sa.id.clone()),
                owner_email: None,
                count: 1,
                ..first_key.clone()
            };
            let keys = self.create_keys_in(tx, org_id, &spec, &mut |_, _| {})?;
            Ok((sa, keys.get(0)))
        })
    }

    pub fn list_service_accounts(&self, org_id: &str, project: Option<&str>) -> Result<Vec<ServiceAccount>> {
        self.read(|tx| {
            let projects: Vec<String> = match project {
                Some(p) => vec![self.find_project(tx, org_id, p)?.id],
                None => self.projects_in(tx, org_id)?.into_iter().map(|p| p.id).collect(),
            };
            let mut out = Vec::new();
            for p in projects {
                for row in tx.records(Table::ServiceAccounts, Some(&p))? {
                    let r = self.open_record(tx, Table::ServiceAccounts, &row)?;
                    out.push(self.sa_view(&row, org_id, r));
                }
            }
            out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.name.cmp(&b.name)));
            Ok(out)
        })
    }

    pub fn show_service_account(&self, org_id: &str, project: Option<&str>, sa: &str) -> Result<ServiceAccount> {
        self.read(|tx| self.find_service_account(tx, org_id, project, sa))
    }

    /// Deletes a service account and revokes its keys; returns how many were revoked.
    pub fn delete_service_account(
        &self,
        org_id: &str,
        project: Option<&str>,
        sa: &str,
    ) -> Result<(ServiceAccount, usize)> {
        self.write(|tx| {
            let sa = self.find_service_account(tx, org_id, project, sa)?;
            let revoked = self.revoke_keys_where(tx, KeysOf::Owner(&sa.id), "service account deleted")?;
            tx.record_delete(Table::ServiceAccounts, &sa.id)?;
            self.audit(
                tx,
                "service_account.deleted",
                Some(&sa.id),
                Some(&sa.project_id),
                json!({ "keys_revoked": revoked }),
            )?;
            Ok((sa, revoked))
        })
    }
}
