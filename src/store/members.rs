//! Members of an org and the store's holder ("you", the spec's owner identity), a member
//! with role `all` in every org the store creates.

use super::Tx;
use super::{MemberRecord, ServiceAccountRecord, Store};
use crate::db::Table;
use crate::domain::{normalize_email, Id, IdKind, OwnerRef, Permission};
use crate::error::{Error, Result};

impl Store {
    pub(crate) fn find_member_record(
        &self,
        tx: &Tx<'_>,
        org_id: &str,
        id_or_email: &str,
    ) -> Result<(String, MemberRecord)> {
        let row = if Id::is_of_kind(id_or_email, IdKind::Member) {
            tx.record_get(Table::Members, id_or_email)?.filter(|r| r.parent == org_id)
        } else {
            let email = normalize_email(id_or_email)?;
            tx.record_by_lookup(Table::Members, &self.lookup(Table::Members, org_id, &email))?
        };
        let row = row.ok_or_else(|| Error::not_found("member", id_or_email))?;
        let record = self.open_record(tx, Table::Members, &row)?;
        Ok((row.id, record))
    }

    /// The holder's member record in `org_id`.
    pub(crate) fn holder_member(&self, tx: &Tx<'_>, org_id: &str) -> Result<(String, MemberRecord)> {
        let holder = self.holder_identity(tx)?;
        self.find_member_record(tx, org_id, &holder.email).map_err(|_| {
            Error::refused("the store owner is no longer a member of this organization; pass --owner EMAIL")
        })
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
            OwnerRef::Member(id) => {
                let Some((_, m)) = self.cached_record::<MemberRecord>(tx, Table::Members, id)? else {
                    return Ok(None);
                };
                let role = m.role.into_iter().chain(m.project_roles.get(project_id).copied()).max();
                Ok(role.map(|r| (r, m.name.clone().unwrap_or_else(|| m.email.clone()))))
            }
            OwnerRef::ServiceAccount(id) => {
                let Some((parent, sa)) = self.cached_record::<ServiceAccountRecord>(tx, Table::ServiceAccounts, id)?
                else {
                    return Ok(None);
                };
                if parent != project_id {
                    return Ok(None);
                }
                Ok(Some((sa.role, sa.name.clone())))
            }
        }
    }

    /// A principal's display name, whether or not it still has a role.
    pub(crate) fn principal_name(&self, tx: &Tx<'_>, owner: &OwnerRef) -> Result<String> {
        let (table, id) = match owner {
            OwnerRef::Member(id) => (Table::Members, id),
            OwnerRef::ServiceAccount(id) => (Table::ServiceAccounts, id),
        };
        let Some(row) = tx.record_get(table, id)? else {
            return Ok("(removed)".to_owned());
        };
        Ok(match owner {
            OwnerRef::Member(_) => {
                let m: MemberRecord = self.open_record(tx, table, &row)?;
                m.name.unwrap_or(m.email)
            }
            OwnerRef::ServiceAccount(_) => self.open_record::<ServiceAccountRecord>(tx, table, &row)?.name,
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
            tx.record_by_lookup(Table::ServiceAccounts, &self.lookup(Table::ServiceAccounts, project_id, id_or_name))?
        };
        let row = row.ok_or_else(|| Error::not_found("service account", id_or_name))?;
        let project = tx.record_get(Table::Projects, &row.parent)?;
        if project.is_none_or(|p| p.parent != org_id) {
            return Err(Error::not_found("service account", id_or_name));
        }
        Ok(row.id)
    }
}

/// Where a role applies: org-wide, or in one project.
#[derive(Debug, Clone, Copy)]
pub enum RoleTarget<'a> {
    Org,
    Project(&'a str),
}

impl Store {
    fn member_view(&self, id: &str, org_id: &str, m: MemberRecord) -> super::Member {
        super::Member {
            id: id.to_owned(),
            org_id: org_id.to_owned(),
            email: m.email,
            name: m.name,
            role: m.role,
            project_roles: m.project_roles,
            is_owner: m.is_holder,
            created_at: crate::domain::from_unix(m.created_at),
        }
    }

    pub(crate) fn save_member(&self, tx: &Tx<'_>, org_id: &str, id: &str, m: &MemberRecord) -> Result<()> {
        let row = self.seal_record(Table::Members, id, org_id, &self.lookup(Table::Members, org_id, &m.email), m)?;
        tx.record_update(Table::Members, &row)?
            .or_taken(|| Error::conflict(format!("a member with email {:?} already exists", m.email)))
    }

    /// Members whose org-wide role is `all`, other than `except`.
    fn other_org_admins(&self, tx: &Tx<'_>, org_id: &str, except: &str) -> Result<usize> {
        let mut n = 0;
        for row in tx.records(Table::Members, Some(org_id))? {
            let m: MemberRecord = self.open_record(tx, Table::Members, &row)?;
            if row.id != except && m.role == Some(Permission::All) {
                n += 1;
            }
        }
        Ok(n)
    }

    fn guard_last_admin(&self, tx: &Tx<'_>, org_id: &str, id: &str, m: &MemberRecord, what: &str) -> Result<()> {
        if m.role == Some(Permission::All) && self.other_org_admins(tx, org_id, id)? == 0 {
            return Err(Error::refused(format!(
                "{} is the organization's last member with role all and cannot be {what}; give another member role all first",
                m.email
            )));
        }
        Ok(())
    }

    /// Adds a member with an optional org-wide role, or gives an existing or new member a
    /// role in one project.
    pub fn add_member(
        &self,
        org_id: &str,
        email: &str,
        name: Option<&str>,
        role: Option<Permission>,
        project: Option<&str>,
    ) -> Result<super::Member> {
        let email = normalize_email(email)?;
        crate::domain::refuse_key_shaped("the email", &email)?;
        if let Some(n) = name {
            crate::domain::validate_description(n)?;
            crate::domain::refuse_key_shaped("member name", n)?;
        }
        if project.is_some() && role.is_none() {
            return Err(Error::Usage("--project needs --role: the member's role in that project".into()));
        }
        self.write(|tx| {
            self.find_org(tx, org_id)?;
            let project_id = project.map(|p| self.find_project(tx, org_id, p)).transpose()?.map(|p| p.id);
            let existing = tx.record_by_lookup(Table::Members, &self.lookup(Table::Members, org_id, &email))?;
            let (id, mut record) = match existing {
                Some(row) => {
                    let m: MemberRecord = self.open_record(tx, Table::Members, &row)?;
                    match &project_id {
                        Some(p) if !m.project_roles.contains_key(p) => (row.id, m),
                        Some(_) => {
                            return Err(Error::conflict(format!(
                                "{email} already has a role in that project; use `keyctl member set-role`"
                            )))
                        }
                        None => {
                            return Err(Error::conflict(format!("{email} is already a member of this organization")))
                        }
                    }
                }
                None => {
                    let record = MemberRecord {
                        email: email.clone(),
                        name: name.map(str::to_owned).filter(|n| !n.trim().is_empty()),
                        role: None,
                        project_roles: Default::default(),
                        is_holder: false,
                        created_at: self.now().timestamp(),
                    };
                    let id = Id::generate(IdKind::Member).to_string();
                    let row = self.seal_record(
                        Table::Members,
                        &id,
                        org_id,
                        &self.lookup(Table::Members, org_id, &email),
                        &record,
                    )?;
                    tx.record_insert(Table::Members, &row)?
                        .or_taken(|| Error::conflict(format!("a member with email {email:?} already exists")))?;
                    (id, record)
                }
            };
            match (&project_id, role) {
                (Some(p), Some(r)) => {
                    record.project_roles.insert(p.clone(), r);
                }
                (None, r) => record.role = r,
                (Some(_), None) => {}
            }
            self.save_member(tx, org_id, &id, &record)?;
            self.audit(
                tx,
                "member.added",
                Some(&id),
                project_id.as_deref(),
                serde_json::json!({ "role": role, "project_id": project_id }),
            )?;
            Ok(self.member_view(&id, org_id, record))
        })
    }

    /// Members of the org, or those with a role in one project (org-wide or there).
    pub fn list_members(&self, org_id: &str, project: Option<&str>) -> Result<Vec<super::Member>> {
        self.read(|tx| {
            let project_id = project.map(|p| self.find_project(tx, org_id, p)).transpose()?.map(|p| p.id);
            let mut out = Vec::new();
            for row in tx.records(Table::Members, Some(org_id))? {
                let m: MemberRecord = self.open_record(tx, Table::Members, &row)?;
                if let Some(p) = &project_id {
                    if m.role.is_none() && !m.project_roles.contains_key(p) {
                        continue;
                    }
                }
                out.push(self.member_view(&row.id, org_id, m));
            }
            out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.email.cmp(&b.email)));
            Ok(out)
        })
    }

    pub fn show_member(&self, org_id: &str, member: &str) -> Result<super::Member> {
        self.read(|tx| {
            let (id, m) = self.find_member_record(tx, org_id, member)?;
            Ok(self.member_view(&id, org_id, m))
        })
    }

    /// Sets a member's org-wide role, or its role in one project. Takes effect on the
    /// member's keys at once (their effective permission is computed at verify time).
    pub fn set_member_role(
        &self,
        org_id: &str,
        member: &str,
        role: Permission,
        target: RoleTarget<'_>,
    ) -> Result<super::Member> {
        self.write(|tx| {
            let (id, mut m) = self.find_member_record(tx, org_id, member)?;
            let project_id = match target {
                RoleTarget::Org => {
                    if role != Permission::All {
                        self.guard_last_admin(tx, org_id, &id, &m, "demoted")?;
                    }
                    m.role = Some(role);
                    None
                }
                RoleTarget::Project(p) => {
                    let p = self.find_project(tx, org_id, p)?.id;
                    m.project_roles.insert(p.clone(), role);
                    Some(p)
                }
            };
            self.save_member(tx, org_id, &id, &m)?;
            self.audit(
                tx,
                "member.role_changed",
                Some(&id),
                project_id.as_deref(),
                serde_json::json!({ "role": role }),
            )?;
            Ok(self.member_view(&id, org_id, m))
        })
    }

    /// Removes a member from one project (their keys there answer OWNER_REMOVED unless an
    /// org-wide role still covers them), or from the org (their keys are revoked).
    pub fn remove_member(&self, org_id: &str, member: &str, project: Option<&str>) -> Result<(super::Member, usize)> {
        self.write(|tx| {
            let (id, mut m) = self.find_member_record(tx, org_id, member)?;
            match project {
                Some(p) => {
                    let p = self.find_project(tx, org_id, p)?.id;
                    if m.project_roles.remove(&p).is_none() {
                        return Err(Error::refused(format!("{} has no role of its own in that project", m.email)));
                    }
                    self.save_member(tx, org_id, &id, &m)?;
                    self.audit(tx, "member.removed", Some(&id), Some(&p), serde_json::json!({ "scope": "project" }))?;
                    Ok((self.member_view(&id, org_id, m), 0))
                }
                None => {
                    self.guard_last_admin(tx, org_id, &id, &m, "removed")?;
                    let revoked = self.revoke_keys_where(
                        tx,
                        crate::db::KeysOf::Owner(&id),
                        "owner removed from the organization",
                    )?;
                    tx.record_delete(Table::Members, &id)?;
                    self.audit(
                        tx,
                        "member.removed",
                        Some(&id),
                        None,
                        serde_json::json!({ "scope": "org", "keys_revoked": revoked }),
                    )?;
                    Ok((self.member_view(&id, org_id, m), revoked))
                }
            }
        })
    }
}
