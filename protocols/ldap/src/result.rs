//! LDAP result codes: those of RFC 4511 §4.1.9 (meanings in Appendix A), and
//! the ones later RFCs add that a directory client meets: RFC 3909 (Cancel),
//! RFC 4528 (Assertion control), RFC 4370 (Proxied Authorization) and
//! RFC 4533 (Content Synchronization, `e-syncRefreshRequired`).

use std::fmt;

/// An LDAP `resultCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
pub enum ResultCode {
    /// 0: the operation completed.
    Success = 0,
    /// 1: the operation was not properly sequenced with other operations.
    OperationsError = 1,
    /// 2: the server received malformed or invalid protocol data.
    ProtocolError = 2,
    /// 3: the time limit was exceeded.
    TimeLimitExceeded = 3,
    /// 4: the size limit was exceeded.
    SizeLimitExceeded = 4,
    /// 5: a Compare operation found the assertion false.
    CompareFalse = 5,
    /// 6: a Compare operation found the assertion true.
    CompareTrue = 6,
    /// 7: the authentication method or mechanism is not supported.
    AuthMethodNotSupported = 7,
    /// 8: the server requires stronger authentication (or a protected session).
    StrongerAuthRequired = 8,
    /// 10: the target is held elsewhere; a referral is returned.
    Referral = 10,
    /// 11: an administrative limit was exceeded.
    AdminLimitExceeded = 11,
    /// 12: a critical control is not recognised or not appropriate.
    UnavailableCriticalExtension = 12,
    /// 13: the operation requires confidentiality protection.
    ConfidentialityRequired = 13,
    /// 14: the server needs the client to continue a SASL bind.
    SaslBindInProgress = 14,
    /// 16: the named attribute or value does not exist in the entry.
    NoSuchAttribute = 16,
    /// 17: the attribute description is not defined.
    UndefinedAttributeType = 17,
    /// 18: the matching rule is not defined for the attribute type.
    InappropriateMatching = 18,
    /// 19: the client supplied a value that violates a constraint.
    ConstraintViolation = 19,
    /// 20: the attribute or value already exists.
    AttributeOrValueExists = 20,
    /// 21: a value does not conform to the attribute's syntax.
    InvalidAttributeSyntax = 21,
    /// 32: the target entry does not exist.
    NoSuchObject = 32,
    /// 33: a problem occurred with an alias.
    AliasProblem = 33,
    /// 34: a DN or RDN does not conform to the required syntax.
    InvalidDnSyntax = 34,
    /// 36: a problem occurred while dereferencing an alias.
    AliasDereferencingProblem = 36,
    /// 48: the client tried an inappropriate authentication (e.g. anonymous
    /// where it is not allowed).
    InappropriateAuthentication = 48,
    /// 49: the credentials are invalid.
    InvalidCredentials = 49,
    /// 50: the client lacks the access rights for the operation.
    InsufficientAccessRights = 50,
    /// 51: the server is too busy to serve the operation.
    Busy = 51,
    /// 52: the server is shutting down or a needed subsystem is unavailable.
    Unavailable = 52,
    /// 53: the server will not perform the operation.
    UnwillingToPerform = 53,
    /// 54: the server detected an internal loop (e.g. following referrals).
    LoopDetect = 54,
    /// 64: the entry's name violates naming restrictions.
    NamingViolation = 64,
    /// 65: the entry would violate its object class definitions.
    ObjectClassViolation = 65,
    /// 66: the operation is not allowed on a non-leaf entry.
    NotAllowedOnNonLeaf = 66,
    /// 67: the operation would affect the entry's RDN.
    NotAllowedOnRdn = 67,
    /// 68: an entry with that name already exists.
    EntryAlreadyExists = 68,
    /// 69: the object class modification is prohibited.
    ObjectClassModsProhibited = 69,
    /// 71: the operation would affect several servers.
    AffectsMultipleDsas = 71,
    /// 80: an error not covered by another code.
    Other = 80,
    /// 118: the operation was cancelled (RFC 3909).
    Canceled = 118,
    /// 119: the operation to cancel is unknown (RFC 3909).
    NoSuchOperation = 119,
    /// 120: it is too late to cancel the operation (RFC 3909).
    TooLate = 120,
    /// 121: the operation cannot be cancelled (RFC 3909).
    CannotCancel = 121,
    /// 122: the assertion control's filter did not match (RFC 4528).
    AssertionFailed = 122,
    /// 123: the proxied authorization was denied (RFC 4370).
    AuthorizationDenied = 123,
    /// 4096: the sync cookie is too old; a full refresh is needed (RFC 4533).
    ESyncRefreshRequired = 4096,
}

impl ResultCode {
    /// Every code, in numeric order.
    pub const ALL: [Self; 46] = [
        Self::Success,
        Self::OperationsError,
        Self::ProtocolError,
        Self::TimeLimitExceeded,
        Self::SizeLimitExceeded,
        Self::CompareFalse,
        Self::CompareTrue,
        Self::AuthMethodNotSupported,
        Self::StrongerAuthRequired,
        Self::Referral,
        Self::AdminLimitExceeded,
        Self::UnavailableCriticalExtension,
        Self::ConfidentialityRequired,
        Self::SaslBindInProgress,
        Self::NoSuchAttribute,
        Self::UndefinedAttributeType,
        Self::InappropriateMatching,
        Self::ConstraintViolation,
        Self::AttributeOrValueExists,
        Self::InvalidAttributeSyntax,
        Self::NoSuchObject,
        Self::AliasProblem,
        Self::InvalidDnSyntax,
        Self::AliasDereferencingProblem,
        Self::InappropriateAuthentication,
        Self::InvalidCredentials,
        Self::InsufficientAccessRights,
        Self::Busy,
        Self::Unavailable,
        Self::UnwillingToPerform,
        Self::LoopDetect,
        Self::NamingViolation,
        Self::ObjectClassViolation,
        Self::NotAllowedOnNonLeaf,
        Self::NotAllowedOnRdn,
        Self::EntryAlreadyExists,
        Self::ObjectClassModsProhibited,
        Self::AffectsMultipleDsas,
        Self::Other,
        Self::Canceled,
        Self::NoSuchOperation,
        Self::TooLate,
        Self::CannotCancel,
        Self::AssertionFailed,
        Self::AuthorizationDenied,
        Self::ESyncRefreshRequired,
    ];

    /// The numeric code sent on the wire.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The code's name as the RFCs write it (`invalidDNSyntax`, `other`…).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::OperationsError => "operationsError",
            Self::ProtocolError => "protocolError",
            Self::TimeLimitExceeded => "timeLimitExceeded",
            Self::SizeLimitExceeded => "sizeLimitExceeded",
            Self::CompareFalse => "compareFalse",
            Self::CompareTrue => "compareTrue",
            Self::AuthMethodNotSupported => "authMethodNotSupported",
            Self::StrongerAuthRequired => "strongerAuthRequired",
            Self::Referral => "referral",
            Self::AdminLimitExceeded => "adminLimitExceeded",
            Self::UnavailableCriticalExtension => "unavailableCriticalExtension",
            Self::ConfidentialityRequired => "confidentialityRequired",
            Self::SaslBindInProgress => "saslBindInProgress",
            Self::NoSuchAttribute => "noSuchAttribute",
            Self::UndefinedAttributeType => "undefinedAttributeType",
            Self::InappropriateMatching => "inappropriateMatching",
            Self::ConstraintViolation => "constraintViolation",
            Self::AttributeOrValueExists => "attributeOrValueExists",
            Self::InvalidAttributeSyntax => "invalidAttributeSyntax",
            Self::NoSuchObject => "noSuchObject",
            Self::AliasProblem => "aliasProblem",
            Self::InvalidDnSyntax => "invalidDNSyntax",
            Self::AliasDereferencingProblem => "aliasDereferencingProblem",
            Self::InappropriateAuthentication => "inappropriateAuthentication",
            Self::InvalidCredentials => "invalidCredentials",
            Self::InsufficientAccessRights => "insufficientAccessRights",
            Self::Busy => "busy",
            Self::Unavailable => "unavailable",
            Self::UnwillingToPerform => "unwillingToPerform",
            Self::LoopDetect => "loopDetect",
            Self::NamingViolation => "namingViolation",
            Self::ObjectClassViolation => "objectClassViolation",
            Self::NotAllowedOnNonLeaf => "notAllowedOnNonLeaf",
            Self::NotAllowedOnRdn => "notAllowedOnRDN",
            Self::EntryAlreadyExists => "entryAlreadyExists",
            Self::ObjectClassModsProhibited => "objectClassModsProhibited",
            Self::AffectsMultipleDsas => "affectsMultipleDSAs",
            Self::Other => "other",
            Self::Canceled => "canceled",
            Self::NoSuchOperation => "noSuchOperation",
            Self::TooLate => "tooLate",
            Self::CannotCancel => "cannotCancel",
            Self::AssertionFailed => "assertionFailed",
            Self::AuthorizationDenied => "authorizationDenied",
            Self::ESyncRefreshRequired => "e-syncRefreshRequired",
        }
    }

    /// The code for a numeric `resultCode`, or `None` if it is not one of
    /// these (the caller keeps the number, e.g. for a vendor code).
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Whether the code reports a failure. RFC 4511 Appendix A.1 lists the
    /// non-error codes: success, compareFalse, compareTrue, referral and
    /// saslBindInProgress.
    pub const fn is_error(self) -> bool {
        !matches!(
            self,
            Self::Success
                | Self::CompareFalse
                | Self::CompareTrue
                | Self::Referral
                | Self::SaslBindInProgress
        )
    }
}

/// `name (code)`, e.g. `invalidCredentials (49)`.
impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_named_in_rfc_4511() {
        let table = [
            (0, "success"),
            (1, "operationsError"),
            (2, "protocolError"),
            (3, "timeLimitExceeded"),
            (4, "sizeLimitExceeded"),
            (5, "compareFalse"),
            (6, "compareTrue"),
            (7, "authMethodNotSupported"),
            (8, "strongerAuthRequired"),
            (10, "referral"),
            (11, "adminLimitExceeded"),
            (12, "unavailableCriticalExtension"),
            (13, "confidentialityRequired"),
            (14, "saslBindInProgress"),
            (16, "noSuchAttribute"),
            (17, "undefinedAttributeType"),
            (18, "inappropriateMatching"),
            (19, "constraintViolation"),
            (20, "attributeOrValueExists"),
            (21, "invalidAttributeSyntax"),
            (32, "noSuchObject"),
            (33, "aliasProblem"),
            (34, "invalidDNSyntax"),
            (36, "aliasDereferencingProblem"),
            (48, "inappropriateAuthentication"),
            (49, "invalidCredentials"),
            (50, "insufficientAccessRights"),
            (51, "busy"),
            (52, "unavailable"),
            (53, "unwillingToPerform"),
            (54, "loopDetect"),
            (64, "namingViolation"),
            (65, "objectClassViolation"),
            (66, "notAllowedOnNonLeaf"),
            (67, "notAllowedOnRDN"),
            (68, "entryAlreadyExists"),
            (69, "objectClassModsProhibited"),
            (71, "affectsMultipleDSAs"),
            (80, "other"),
        ];
        for (code, name) in table {
            let rc = ResultCode::from_code(code);
            assert_eq!(rc.map(ResultCode::name), Some(name), "{code}");
            assert_eq!(rc.map(ResultCode::code), Some(code));
        }
    }

    #[test]
    fn codes_from_later_rfcs() {
        for (code, name) in [
            (118, "canceled"),
            (119, "noSuchOperation"),
            (120, "tooLate"),
            (121, "cannotCancel"),
            (122, "assertionFailed"),
            (123, "authorizationDenied"),
            (4096, "e-syncRefreshRequired"),
        ] {
            assert_eq!(
                ResultCode::from_code(code).map(ResultCode::name),
                Some(name)
            );
        }
    }

    #[test]
    fn all_is_sorted_unique_and_round_trips() {
        for pair in ResultCode::ALL.windows(2) {
            if let [a, b] = pair {
                assert!(a.code() < b.code(), "{a} / {b}");
            }
        }
        for rc in ResultCode::ALL {
            assert_eq!(ResultCode::from_code(rc.code()), Some(rc));
        }
    }

    #[test]
    fn unassigned_codes_are_none() {
        for code in [
            9,
            15,
            22,
            31,
            35,
            47,
            55,
            63,
            70,
            72,
            79,
            81,
            117,
            124,
            4095,
            u32::MAX,
        ] {
            assert_eq!(ResultCode::from_code(code), None, "{code}");
        }
    }

    #[test]
    fn non_error_codes_per_appendix_a_1() {
        let non_errors: Vec<_> = ResultCode::ALL
            .into_iter()
            .filter(|c| !c.is_error())
            .map(ResultCode::code)
            .collect();
        assert_eq!(non_errors, [0, 5, 6, 10, 14]);
    }

    #[test]
    fn display() {
        assert_eq!(
            ResultCode::InvalidCredentials.to_string(),
            "invalidCredentials (49)"
        );
    }
}
