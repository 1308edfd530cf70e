//! Members of an org and the owner identity ("you"), who is a member with role `all` in
//! every org the store creates.

use super::{MemberRecord, ServiceAccountRecord, Store};
use crate::db::{Table, Tx};
use crate::domain::{normalize_email, Id, IdKind, OwnerRef, Permission};
use crate::error::{Error, Result};

impl Store {
    pub(crate) fn find_member_record(
        &self,
        tx: &Tx<'_>,
        org_id: &str,
        id_or_email: &str,
    ) -> Result<(String, MemberRecord)> {
        let row = if Id::is_of_kind(id_or_email, IdKind::User) {
            tx.record_get(Table::Members, id_or_email)?
                .filter(|r| r.parent == org_id)
        } else {
            let email = normalize_email(id_or_email)?;
            tx.record_by_lookup(Table::Members, &self.lookup(Table::Members, org_id, &email))?
        };
        let row = row.ok_or_else(|| Error::not_found("member", id_or_email))?;
        let record = self.open_record(Table::Members, &row)?;
        Ok((row.id, record))
    }

    /// The owner identity's member record in `org_id`.
    pub(crate) fn owner_member(&self, tx: &Tx<'_>, org_id: &str) -> Result<(String, MemberRecord)> {
        let owner = self.owner_identity(tx)?;
        self.find_member_record(tx, org_id, &owner.email)
            .map_err(|_| Error::refused("the store owner is no longer a member of this organization; pass --owner EMAIL"))
    }

    /// A principal's current role in a project, or `None` when it has none there (or no
    /// longer exists). Returns the display name too.
    pub(crate) fn principal_role(
        &self,
        tx: &Tx<'_>,
        owner: &OwnerRef,
        project_id: &str,
    ) -> Result<Option<(Permission, String)>> {
        match owner {
            OwnerRef::User(id) => {
                let Some(row) = tx.record_get(Table::Members, id)? else {
                    return Ok(None);
                };
                let m: MemberRecord = self.open_record(Table::Members, &row)?;
                let role = m
                    .role
                    .into_iter()
                    .chain(m.project_roles.get(project_id).copied())
                    .max();
                Ok(role.map(|r| (r, m.name.clone().unwrap_or(m.email))))
            }
            OwnerRef::ServiceAccount(id) => {
                let Some(row) = tx.record_get(Table::ServiceAccounts, id)? else {
                    return Ok(None);
                };
                if row.parent != project_id {
                    return Ok(None);
                }
                let sa: ServiceAccountRecord = self.open_record(Table::ServiceAccounts, &row)?;
                Ok(Some((sa.role, sa.name)))
            }
        }
    }

    /// A principal's display name, whether or not it still has a role.
    pub(crate) fn principal_name(&self, tx: &Tx<'_>, owner: &OwnerRef) -> Result<String> {
        let (table, id) = match owner {
            OwnerRef::User(id) => (Table::Members, id),
            OwnerRef::ServiceAccount(id) => (Table::ServiceAccounts, id),
        };
        let Some(row) = tx.record_get(table, id)? else {
            return Ok("(removed)".to_owned());
        };
        Ok(match owner {
            OwnerRef::User(_) => {
                let m: MemberRecord = self.open_record(table, &row)?;
                m.name.unwrap_or(m.email)
            }
            OwnerRef::ServiceAccount(_) => {
                self.open_record::<ServiceAccountRecord>(table, &row)?.name
            }
        })
    }
}

impl Store {
    /// A service account's id, by id or by name within `project_id`, in `org_id`.
    pub(crate) fn find_service_account_id(
        &self,
        tx: &Tx<'_>,
        org_id: &str,
        project_id: &str,
        id_or_name: &str,
    ) -> Result<String> {
        let row = if Id::is_of_kind(id_or_name, IdKind::ServiceAccount) {
            tx.record_get(Table::ServiceAccounts, id_or_name)?
        } else {
            tx.record_by_lookup(
                Table::ServiceAccounts,
                &self.lookup(Table::ServiceAccounts, project_id, id_or_name),
            )?
        };
        let row = row.ok_or_else(|| Error::not_found("service account", id_or_name))?;
        let project = tx.record_get(Table::Projects, &row.parent)?;
        if project.is_none_or(|p| p.parent != org_id) {
            return Err(Error::not_found("service account", id_or_name));
        }
        Ok(row.id)
    }
}
