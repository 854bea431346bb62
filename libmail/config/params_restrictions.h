// Parameters of smtpd's restriction lists and access checks (smtpd/restrictions.h).
// Names, defaults and reply codes are Postfix's, except smtpd_relay_restrictions,
// which ends in reject_unauth_destination where Postfix defers. Client, HELO and
// sender restrictions always wait until RCPT (Postfix's smtpd_delay_reject = yes,
// which Tern does not let an admin turn off). Add a spec here
// and list it in kRestrictionsParams.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

namespace restrictions_detail {
using PT = ParamType;
}  // namespace restrictions_detail

inline constexpr ParamSpec kSmtpdClientRestrictions{
    "smtpd_client_restrictions", restrictions_detail::PT::List, "", 0, 0,
    "Restrictions applied to the client address and name (at RCPT with smtpd_delay_reject)."};
inline constexpr ParamSpec kSmtpdHeloRestrictions{
    "smtpd_helo_restrictions", restrictions_detail::PT::List, "", 0, 0,
    "Restrictions applied to the HELO/EHLO name (at RCPT with smtpd_delay_reject)."};
inline constexpr ParamSpec kSmtpdSenderRestrictions{
    "smtpd_sender_restrictions", restrictions_detail::PT::List, "", 0, 0,
    "Restrictions applied to the MAIL FROM address (at RCPT with smtpd_delay_reject)."};
inline constexpr ParamSpec kSmtpdRelayRestrictions{
    "smtpd_relay_restrictions", restrictions_detail::PT::List,
    "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination", 0, 0,
    "Relay control at RCPT, evaluated before smtpd_recipient_restrictions."};
inline constexpr ParamSpec kSmtpdRecipientRestrictions{
    "smtpd_recipient_restrictions", restrictions_detail::PT::List, "", 0, 0,
    "Spam and recipient restrictions at RCPT, after smtpd_relay_restrictions."};
inline constexpr ParamSpec kSmtpdDataRestrictions{
    "smtpd_data_restrictions", restrictions_detail::PT::List, "", 0, 0,
    "Restrictions applied to the DATA or BDAT command."};
inline constexpr ParamSpec kSmtpdRejectUnlistedRecipient{
    "smtpd_reject_unlisted_recipient", restrictions_detail::PT::Bool, "yes", 0, 0,
    "Reject unknown recipients of local and virtual domains even without reject_unlisted_recipient."};
inline constexpr ParamSpec kSmtpdSenderLoginMaps{
    "smtpd_sender_login_maps", restrictions_detail::PT::List, "", 0, 0,
    "Tables mapping a MAIL FROM address (or @domain) to the SASL logins that own it."};
inline constexpr ParamSpec kSmtpdNullAccessLookupKey{
    "smtpd_null_access_lookup_key", restrictions_detail::PT::String, "<>", 0, 0,
    "The access table key that stands for the null sender address."};
inline constexpr ParamSpec kAllowUntrustedRouting{
    "allow_untrusted_routing", restrictions_detail::PT::Bool, "no", 0, 0,
    "Let untrusted clients relay through addresses with @, % or ! in the local part."};
inline constexpr ParamSpec kRejectCode{"reject_code", restrictions_detail::PT::Int, "554", 400, 599,
                                       "Reply code of the reject restriction."};
inline constexpr ParamSpec kDeferCode{"defer_code", restrictions_detail::PT::Int, "450", 400, 599,
                                      "Reply code of the defer restriction."};
inline constexpr ParamSpec kAccessMapRejectCode{"access_map_reject_code", restrictions_detail::PT::Int, "554",
                                                400, 599, "Reply code of a REJECT result in an access table."};
inline constexpr ParamSpec kAccessMapDeferCode{"access_map_defer_code", restrictions_detail::PT::Int, "450", 400,
                                               599, "Reply code of a DEFER result in an access table."};
inline constexpr ParamSpec kRelayDomainsRejectCode{
    "relay_domains_reject_code", restrictions_detail::PT::Int, "554", 400, 599,
    "Reply code when reject_unauth_destination refuses to relay."};
inline constexpr ParamSpec kUnknownAddressRejectCode{
    "unknown_address_reject_code", restrictions_detail::PT::Int, "450", 400, 599,
    "Reply code when a sender or recipient domain has no MX, A or AAAA record."};
inline constexpr ParamSpec kUnknownClientRejectCode{
    "unknown_client_reject_code", restrictions_detail::PT::Int, "450", 400, 599,
    "Reply code of reject_unknown_client_hostname and reject_unknown_reverse_client_hostname (a DNS failure is always 450)."};
inline constexpr ParamSpec kNonFqdnRejectCode{
    "non_fqdn_reject_code", restrictions_detail::PT::Int, "504", 400, 599,
    "Reply code of reject_non_fqdn_helo_hostname, reject_non_fqdn_sender and reject_non_fqdn_recipient."};
inline constexpr ParamSpec kInvalidHostnameRejectCode{
    "invalid_hostname_reject_code", restrictions_detail::PT::Int, "501", 400, 599,
    "Reply code of reject_invalid_helo_hostname."};
inline constexpr ParamSpec kMapsRblRejectCode{"maps_rbl_reject_code", restrictions_detail::PT::Int, "554", 400,
                                              599, "Reply code when reject_rbl_client finds the client listed."};
inline constexpr ParamSpec kUnknownVirtualMailboxRejectCode{
    "unknown_virtual_mailbox_reject_code", restrictions_detail::PT::Int, "550", 400, 599,
    "Reply code for an address of a virtual mailbox domain absent from virtual_mailbox_maps."};

inline constexpr const ParamSpec* kRestrictionsParams[] = {
    &kSmtpdClientRestrictions, &kSmtpdHeloRestrictions, &kSmtpdSenderRestrictions,
    &kSmtpdRelayRestrictions, &kSmtpdRecipientRestrictions, &kSmtpdDataRestrictions,
    &kSmtpdRejectUnlistedRecipient, &kSmtpdSenderLoginMaps, &kSmtpdNullAccessLookupKey,
    &kAllowUntrustedRouting, &kRejectCode, &kDeferCode,
    &kAccessMapRejectCode, &kAccessMapDeferCode, &kRelayDomainsRejectCode,
    &kUnknownAddressRejectCode, &kNonFqdnRejectCode, &kInvalidHostnameRejectCode,
    &kMapsRblRejectCode, &kUnknownVirtualMailboxRejectCode, &kUnknownClientRejectCode,
};

}  // namespace tern::config
