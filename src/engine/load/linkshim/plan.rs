//! Which GRX/IPX link each visited PLMN crosses (docs/ARCHITECTURE.md §6): the `link` key of the
//! profile's `[[visited]]` tables, or one link for every partner (`--link FILE`), or none (`--link
//! none`). A [`LinkPlan`] is the validated, cloneable setup a run hands to every shard; each shard
//! builds its own seeded [`super::LinkShim`] from it.

use std::path::{Path, PathBuf};

use crate::link::{LinkProfile, ProfileError};
use crate::model::population::VisitedPlmnConfig;
use crate::model::Plmn;

/// The value of `link` (and `--link`) that turns a link off.
pub const NO_LINK: &str = "none";

/// An error building a [`LinkPlan`], naming the `[[visited]]` entry and the link file.
#[derive(Debug, thiserror::Error)]
pub enum LinkPlanError {
    /// The link profile of `visited[index]` could not be loaded.
    #[error("visited[{index}].link ({plmn}): {source}")]
    Visited {
        /// Index of the `[[visited]]` table.
        index: usize,
        /// Its PLMN.
        plmn: Plmn,
        /// Why the link profile was refused (it names the file and field).
        source: Box<ProfileError>,
    },
    /// The `--link` file could not be loaded.
    #[error("--link: {0}")]
    Flag(Box<ProfileError>),
}

/// One link of a plan: a name for the summary's `links` and both directions' impairments.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLink {
    /// Key in summary.json `links`: `<visited PLMN>:<profile name>` (e.g. `440-10:us-apac`) for a
    /// partner's own link, the profile's name for a link all partners share.
    pub name: String,
    /// The validated profile.
    pub profile: LinkProfile,
}

/// Which link each visited PLMN crosses; empty when the run is unimpaired.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkPlan {
    links: Vec<PlannedLink>,
    by_plmn: Vec<(Plmn, usize)>,
    shared: Option<usize>,
}

impl LinkPlan {
    /// No link anywhere (`--link none`, or a profile without `link` keys).
    pub fn none() -> LinkPlan {
        LinkPlan::default()
    }

    /// One link between every visited PLMN and the home network (`--link FILE`); each shard
    /// still has its own instance of it (its own queue and random streams).
    pub fn shared(profile: LinkProfile) -> LinkPlan {
        LinkPlan {
            links: vec![PlannedLink {
                name: profile.name.clone(),
                profile,
            }],
            by_plmn: Vec::new(),
            shared: Some(0),
        }
    }

    /// `--link FILE|none`.
    pub fn from_flag(value: &str) -> Result<LinkPlan, LinkPlanError> {
        if value == NO_LINK {
            return Ok(LinkPlan::none());
        }
        LinkProfile::from_file(value)
            .map(LinkPlan::shared)
            .map_err(|e| LinkPlanError::Flag(Box::new(e)))
    }

    /// The `link` keys of `visited` (the profile's `[[visited]]` tables), paths taken relative
    /// to `base` (the profile file's folder). Each partner gets its own link, even when two name
    /// the same file.
    pub fn from_visited(
        visited: &[VisitedPlmnConfig],
        base: &Path,
    ) -> Result<LinkPlan, LinkPlanError> {
        let mut plan = LinkPlan::none();
        for (index, v) in visited.iter().enumerate() {
            let Some(path) = v.link.as_deref().filter(|p| *p != NO_LINK) else {
                continue;
            };
            let file: PathBuf = base.join(path);
            let profile =
                LinkProfile::from_file(&file).map_err(|source| LinkPlanError::Visited {
                    index,
                    plmn: v.plmn,
                    source: Box::new(source),
                })?;
            plan.by_plmn.push((v.plmn, plan.links.len()));
            plan.links.push(PlannedLink {
                name: format!("{}:{}", v.plmn, profile.name),
                profile,
            });
        }
        Ok(plan)
    }

    /// Whether no traffic crosses a link.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The links, in the order [`LinkPlan::link_of`] numbers them.
    pub fn links(&self) -> &[PlannedLink] {
        &self.links
    }

    /// The link `plmn`'s traffic crosses, if any.
    pub fn link_of(&self, plmn: Plmn) -> Option<usize> {
        self.shared.or_else(|| {
            self.by_plmn
                .iter()
                .find(|(p, _)| *p == plmn)
                .map(|&(_, i)| i)
        })
    }
}
