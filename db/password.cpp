#include "db/password.hpp"

#include <sodium.h>

#include "planner/common/error.hpp"

namespace hdr::db {

std::string hash_password(const std::string& password, unsigned long long opslimit, std::size_t memlimit) {
  HDR_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
  require(!password.empty(), "a password may not be empty");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw Error("password hashing failed (out of memory for Argon2id memlimit " + std::to_string(memlimit) + " bytes?)");
  return std::string(out);
}

bool password_matches(const std::string& stored_hash, const std::string& password) {
  HDR_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
  if (stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  stored_hash.copy(buf, stored_hash.size());
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

unsigned long long pwhash_opslimit_min() { return crypto_pwhash_OPSLIMIT_MIN; }
std::size_t pwhash_memlimit_min() { return crypto_pwhash_MEMLIMIT_MIN; }

}  // namespace hdr::db
