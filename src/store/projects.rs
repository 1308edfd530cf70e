//! Projects: names unique per org; the default project can be renamed but never archived
//! or deleted; archiving disables a project's keys, deleting revokes them.

use serde_json::json;

use super::Tx;
use super::{Project, ProjectKind, ProjectRecord, ProjectState, Store};
use crate::db::{KeysOf, Table, Written};
use crate::domain::{from_unix, validate_description, validate_name, Archived, Id, IdKind, ProjectStatus};
use crate::error::{Error, Result};

impl Store {
    pub(crate) fn project_view(&self, tx: &Tx<'_>, id: &str, org_id: &str, r: ProjectRecord) -> Result<Project> {
        let this_month = self.project_month_usage(tx, id, r.limits.monthly_budget)?;
        Ok(Project {
            id: id.to_owned(),
            org_id: org_id.to_owned(),
            name: r.name,
            description: r.description,
            status: r.state.status(),
            is_default: r.kind == ProjectKind::Default,
            created_at: from_unix(r.created_at),
            archived_at: r.state.archived_at().map(from_unix),
            limits: r.limits,
            this_month,
        })
    }

    /// Loads a project by id or name within `org_id`, with its sealed record.
    pub(crate) fn find_project_record(
        &self,
        tx: &Tx<'_>,
        org_id: &str,
        id_or_name: &str,
    ) -> Result<(crate::db::RecordRow, ProjectRecord)> {
        let row = if Id::is_of_kind(id_or_name, IdKind::Project) {
            tx.record_get(Table::Projects, id_or_name)?.filter(|r| r.parent == org_id)
        } else {
            tx.record_by_lookup(Table::Projects, &self.lookup(Table::Projects, org_id, id_or_name))?
        };
        match row {
            Some(row) => {
                let record = self.open_record(tx, Table::Projects, &row)?;
                Ok((row, record))
            }
            None => {
                let names: Vec<String> = self.projects_in(tx, org_id)?.into_iter().map(|p| p.name).collect();
                Err(Error::NotFound {
                    what: "project",
                    name: id_or_name.to_owned(),
                    hint: super::suggest(id_or_name, &names),
                })
            }
        }
    }

    pub(crate) fn find_project(&self, tx: &Tx<'_>, org_id: &str, id_or_name: &str) -> Result<Project> {
        let (row, record) = self.find_project_record(tx, org_id, id_or_name)?;
        self.project_view(tx, &row.id, org_id, record)
    }

    /// The project a command targets: the one named, or the org's default project.
    pub(crate) fn target_project(&self, tx: &Tx<'_>, org_id: &str, id_or_name: Option<&str>) -> Result<Project> {
        match id_or_name {
            Some(p) => self.find_project(tx, org_id, p),
            None => {
                let org = self.find_org(tx, org_id)?;
                self.find_project(tx, org_id, &org.default_project_id)
            }
        }
    }

    pub(crate) fn projects_in(&self, tx: &Tx<'_>, org_id: &str) -> Result<Vec<Project>> {
        let mut projects = Vec::new();
        for row in tx.records(Table::Projects, Some(org_id))? {
            let record: ProjectRecord = self.open_record(tx, Table::Projects, &row)?;
            projects.push(self.project_view(tx, &row.id, org_id, record)?);
        }
        projects.sort_by(|a, b| {
            b.is_default.cmp(&a.is_default).then(a.created_at.cmp(&b.created_at)).then(a.name.cmp(&b.name))
        });
        Ok(projects)
    }

    pub fn create_project(&self, org_id: &str, name: &str, description: Option<&str>) -> Result<Project> {
        validate_name("project", name)?;
        if let Some(d) = description {
            validate_description(d)?;
        }
        self.write(|tx| {
            self.find_org(tx, org_id)?;
            let id = Id::generate(IdKind::Project);
            let record = ProjectRecord {
                name: name.to_owned(),
                description: description.map(crate::crypto::redact_secrets).filter(|d| !d.is_empty()),
                kind: ProjectKind::Other,
                state: ProjectState::Active,
                created_at: self.now().timestamp(),
                limits: Default::default(),
            };
            let row = self.seal_record(
                Table::Projects,
                id.as_str(),
                org_id,
                &self.lookup(Table::Projects, org_id, name),
                &record,
            )?;
            if tx.record_insert(Table::Projects, &row)? == Written::NameTaken {
                return Err(Error::conflict(format!("a project named {name:?} already exists in this organization")));
            }
            self.audit(tx, "project.created", Some(id.as_str()), Some(id.as_str()), json!({}))?;
            self.project_view(tx, id.as_str(), org_id, record)
        })
    }

    /// Active projects, or all of them with [`Archived::Include`].
    pub fn list_projects(&self, org_id: &str, archived: Archived) -> Result<Vec<Project>> {
        self.read(|tx| {
            let mut projects = self.projects_in(tx, org_id)?;
            projects.retain(|p| archived == Archived::Include || p.status == ProjectStatus::Active);
            Ok(projects)
        })
    }

    pub fn show_project(&self, org_id: &str, project: &str) -> Result<Project> {
        self.read(|tx| self.find_project(tx, org_id, project))
    }

    /// Applies `change` to a project's record and reseals it, in one transaction.
    fn update_project(
        &self,
        org_id: &str,
        project: &str,
        action: &str,
        mut change: impl FnMut(&Tx<'_>, &str, &mut ProjectRecord) -> Result<serde_json::Value>,
    ) -> Result<Project> {
        self.write(|tx| {
            let (row, mut record) = self.find_project_record(tx, org_id, project)?;
            let details = change(tx, &row.id, &mut record)?;
            let sealed = self.seal_record(
                Table::Projects,
                &row.id,
                org_id,
                &self.lookup(Table::Projects, org_id, &record.name),
                &record,
            )?;
            if tx.record_update(Table::Projects, &sealed)? == Written::NameTaken {
                return Err(Error::conflict(format!(
                    "a project named {:?} already exists in this organization",
                    record.name
                )));
            }
            self.audit(tx, action, Some(&row.id), Some(&row.id), details)?;
            self.project_view(tx, &row.id, org_id, record)
        })
    }

    pub fn rename_project(&self, org_id: &str, project: &str, new_name: &str) -> Result<Project> {
        validate_name("project", new_name)?;
        self.update_project(org_id, project, "project.renamed", |_, _, r| {
            let old = std::mem::replace(&mut r.name, new_name.to_owned());
            Ok(json!({ "from": old, "to": new_name }))
        })
    }

    pub fn archive_project(&self, org_id: &str, project: &str) -> Result<Project> {
        let now = self.now().timestamp();
        self.update_project(org_id, project, "project.archived", |_, _, r| {
            if r.kind == ProjectKind::Default {
                return Err(Error::refused(format!(
                    "project {:?} is the default project and cannot be archived",
                    r.name
                )));
            }
            if let ProjectState::Archived { .. } = r.state {
                return Err(Error::refused(format!("project {:?} is already archived", r.name)));
            }
            r.state = ProjectState::Archived { at: now };
            Ok(json!({}))
        })
    }

    pub fn unarchive_project(&self, org_id: &str, project: &str) -> Result<Project> {
        self.update_project(org_id, project, "project.unarchived", |_, _, r| {
            if r.state == ProjectState::Active {
                return Err(Error::refused(format!("project {:?} is not archived", r.name)));
            }
            r.state = ProjectState::Active;
            Ok(json!({}))
        })
    }

    /// Deletes a project: its keys are revoked (and stay listed as revoked until pruned),
    /// its service accounts removed.
    pub fn delete_project(&self, org_id: &str, project: &str) -> Result<Project> {
        self.write(|tx| {
            let (row, record) = self.find_project_record(tx, org_id, project)?;
            if record.kind == ProjectKind::Default {
                return Err(Error::refused(format!(
                    "project {:?} is the default project and cannot be deleted",
                    record.name
                )));
            }
            let revoked = self.revoke_keys_where(tx, KeysOf::Project(&row.id), "project deleted")?;
            for sa in tx.records(Table::ServiceAccounts, Some(&row.id))? {
                tx.record_delete(Table::ServiceAccounts, &sa.id)?;
            }
            for member in tx.records(Table::Members, Some(org_id))? {
                let mut m: super::MemberRecord = self.open_record(tx, Table::Members, &member)?;
                if m.project_roles.remove(&row.id).is_some() {
                    self.save_member(tx, org_id, &member.id, &m)?;
                }
            }
            tx.record_delete(Table::Projects, &row.id)?;
            self.audit(tx, "project.deleted", Some(&row.id), Some(&row.id), json!({ "keys_revoked": revoked }))?;
            self.project_view(tx, &row.id, org_id, record)
        })
    }
}
