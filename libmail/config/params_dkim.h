// Parameters of DKIM (libmail/dkim): which keys sign outgoing mail (the key
// directory written by `tern dkim keygen`, or OpenDKIM-style signing and key
// tables) and how smtpd verifies incoming signatures.
#pragma once

#include "libmail/config/param_spec.h"

namespace tern::config {

inline constexpr ParamSpec kDkimKeyDirectory{"dkim_key_directory", ParamType::String, "$config_directory/dkim", 0, 0,
    "Directory of DKIM private keys, DOMAIN/SELECTOR.key (tern dkim keygen writes them); without dkim_signing_table, mail From a domain is signed with every key in its subdirectory."};
inline constexpr ParamSpec kDkimSigningTable{"dkim_signing_table", ParamType::List, "", 0, 0,
    "Tables from the From address (then @domain, domain, .parent domains) to DKIM key names separated by commas; empty: sign with the keys found in dkim_key_directory."};
inline constexpr ParamSpec kDkimKeyTable{"dkim_key_table", ParamType::List, "", 0, 0,
    "Tables from a DKIM key name to domain:selector:/path/to/private.key (domain % means the From domain)."};
inline constexpr ParamSpec kDkimSign{"dkim_sign", ParamType::Bool, "yes", 0, 0,
    "Whether mail submitted by authenticated or local senders is DKIM-signed when keys are configured for its From domain."};
inline constexpr ParamSpec kSmtpdDkimVerify{"smtpd_dkim_verify", ParamType::Bool, "yes", 0, 0,
    "Whether smtpd verifies DKIM signatures of incoming mail and records the results in Authentication-Results."};
inline constexpr ParamSpec kDkimMaxSignatures{"dkim_max_signatures", ParamType::Int, "5", 1, 100,
    "DKIM signatures verified per message; later ones are ignored."};
inline constexpr ParamSpec kDkimAllowBodyLength{"dkim_allow_body_length", ParamType::Bool, "no", 0, 0,
    "Whether a DKIM signature whose l= leaves part of the body unsigned may pass; no: such a signature is policy."};
inline constexpr ParamSpec kDkimMinRsaKeyBits{"dkim_min_rsa_key_bits", ParamType::Int, "1024", 512, 16384,
    "Smallest RSA key, in bits, a DKIM signature may verify with (RFC 8301: 1024)."};

inline constexpr const ParamSpec* kDkimParams[] = {
    &kDkimKeyDirectory, &kDkimSigningTable, &kDkimKeyTable, &kDkimSign,
    &kSmtpdDkimVerify, &kDkimMaxSignatures, &kDkimAllowBodyLength, &kDkimMinRsaKeyBits,
};

}  // namespace tern::config
