#pragma once
// CRC32C (Castagnoli), the checksum of every chunk, computed with ISA-L.
#include <cstddef>
#include <cstdint>

namespace cairn {

// Standard CRC32C: crc32c("123456789") == 0xE3069283. Pass a previous result as
// `seed` to continue over more bytes.
uint32_t crc32c(const void* data, size_t size, uint32_t seed = 0);

}  // namespace cairn
