#pragma once
// One `hdr` invocation that acts on the record store is one login session of it:
// RecordStore::authenticate() opens the session (a wrong password is recorded as a failed
// login); it is ended when the body returns, or ended as "aborted" when the body throws. The
// body's error is what is reported (with the logout's, should that fail too).
#include <functional>
#include <string>

#include "db/record_store.hpp"

namespace hdr::cli {

int with_login_session(db::RecordStore& store, const std::string& user, const std::string& password,
                       const std::function<int(const db::Actor&)>& body);

}  // namespace hdr::cli
