//! The PATCH engine's schema port ([`crate::patch::Schema`], RFC 7644
//! §3.5.2) answered from a [`ResourceType`]'s definitions, common attributes
//! included.

use super::{common_attributes, find_def, AttributeDef, ResourceType};
use crate::error::ScimError;
use crate::patch::{unassign_refused, AttrKind, AttrRef, Mutability, Schema};

impl ResourceType {
    /// The definition an [`AttrRef`] names: the attribute, or its
    /// sub-attribute when `sub_attr` is set.
    fn def_of(&self, attr: &AttrRef<'_>) -> Option<&AttributeDef> {
        let top = if attr.schema.eq_ignore_ascii_case(&self.core.id) {
            find_def(common_attributes(), attr.name).or_else(|| self.core.attribute(attr.name))
        } else {
            self.extension(attr.schema)?.schema.attribute(attr.name)
        }?;
        match attr.sub_attr {
            None => Some(top),
            Some(sub) => top.sub_attribute(sub),
        }
    }
}

impl Schema for ResourceType {
    fn core_schema(&self) -> &str {
        &self.core.id
    }

    fn extension(&self, urn: &str) -> Option<&str> {
        ResourceType::extension(self, urn).map(|e| e.schema.id.as_str())
    }

    fn is_known(&self, attr: &AttrRef<'_>) -> bool {
        self.def_of(attr).is_some()
    }

    fn is_multi_valued(&self, attr: &AttrRef<'_>) -> bool {
        self.def_of(attr).is_some_and(|d| d.multi_valued)
    }

    fn mutability(&self, attr: &AttrRef<'_>) -> Mutability {
        self.def_of(attr)
            .map_or(Mutability::ReadWrite, |d| d.mutability)
    }

    fn kind(&self, attr: &AttrRef<'_>) -> AttrKind {
        self.def_of(attr).map_or(AttrKind::String, |d| d.kind)
    }

    fn check_unassign(&self, attr: &AttrRef<'_>) -> Result<(), ScimError> {
        match self.def_of(attr) {
            Some(d) if d.required => Err(unassign_refused(attr)),
            _ => Ok(()),
        }
    }
}
