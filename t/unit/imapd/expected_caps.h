// What CAPABILITY lists in every state, spelled out once for the imapd tests
// (the tests add the state-dependent rest).
#pragma once

#include <string>

namespace tern::imapd::test {

inline const std::string kCaps =
    "IMAP4rev1 IMAP4rev2 LITERAL+ ID UNSELECT IDLE BINARY NAMESPACE UIDPLUS MOVE CHILDREN LIST-EXTENDED LIST-STATUS "
    "SPECIAL-USE STATUS=SIZE ENABLE CONDSTORE QRESYNC UTF8=ACCEPT QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE "
    "COMPRESS=DEFLATE OBJECTID ESEARCH SEARCHRES SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES "
    "APPENDLIMIT=10240000";

}  // namespace tern::imapd::test
