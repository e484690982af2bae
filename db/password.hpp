#pragma once
// Password hashing with libsodium's Argon2id (crypto_pwhash_str_alg, ALG_ARGON2ID13). The
// stored string carries its own salt and cost parameters.
#include <cstddef>
#include <string>

namespace hdr::db {

std::string hash_password(const std::string& password, unsigned long long opslimit, std::size_t memlimit);
bool password_matches(const std::string& stored_hash, const std::string& password);

// libsodium's bounds for the Argon2id parameters (for StoreOptions::validate).
unsigned long long pwhash_opslimit_min();
std::size_t pwhash_memlimit_min();

}  // namespace hdr::db
