// The delivery session's transition table: a lost link is UNKNOWN and must reconnect before
// anything else; no refusal once a program may have run; terminal states stay terminal.
#include <doctest/doctest.h>

#include "firmware_if/delivery_session.hpp"

using hdr::fw::SessionState;
using hdr::fw::transition_allowed;

TEST_CASE("from UNKNOWN the only way on is to reconnect (and re-query)") {
  for (auto to : {SessionState::delivering, SessionState::ready, SessionState::completed, SessionState::interrupted,
                  SessionState::downloading, SessionState::refused})
    CHECK_FALSE(transition_allowed(SessionState::unknown, to));
  CHECK(transition_allowed(SessionState::unknown, SessionState::reconnecting));
  CHECK(transition_allowed(SessionState::delivering, SessionState::unknown));
  CHECK(transition_allowed(SessionState::reconnecting, SessionState::delivering));
}

TEST_CASE("a session is refused only before a program could have run") {
  CHECK(transition_allowed(SessionState::verifying, SessionState::refused));
  CHECK(transition_allowed(SessionState::downloading, SessionState::refused));
  CHECK_FALSE(transition_allowed(SessionState::ready, SessionState::refused));
  CHECK_FALSE(transition_allowed(SessionState::delivering, SessionState::refused));
  CHECK_FALSE(transition_allowed(SessionState::reconnecting, SessionState::refused));
}

TEST_CASE("terminal states have no way out; nothing skips verification") {
  for (auto from : {SessionState::refused, SessionState::interrupted, SessionState::completed})
    for (int t = 0; t <= static_cast<int>(SessionState::completed); ++t)
      CHECK_FALSE(transition_allowed(from, static_cast<SessionState>(t)));
  CHECK_FALSE(transition_allowed(SessionState::connecting, SessionState::downloading));
  CHECK_FALSE(transition_allowed(SessionState::idle, SessionState::delivering));
}
