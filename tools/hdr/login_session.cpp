#include "tools/hdr/login_session.hpp"

#include <exception>

#include "planner/common/error.hpp"

namespace hdr::cli {

int with_login_session(db::RecordStore& store, const std::string& user, const std::string& password,
                       const std::function<int(const db::Actor&)>& body) {
  const db::Actor actor = store.authenticate(user, password);
  int rc = 0;
  try {
    rc = body(actor);
  } catch (const std::exception& e) {
    try {
      store.logout(actor, db::LoginEnd::aborted);
    } catch (const std::exception& logout_error) {
      throw Error(std::string(e.what()) + " (and login session " + std::to_string(actor.login_session_id) +
                  " could not be ended: " + logout_error.what() + ")");
    }
    throw;
  }
  store.logout(actor);
  return rc;
}

}  // namespace hdr::cli
