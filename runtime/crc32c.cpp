#include "runtime/crc32c.hpp"

#include <isa-l/crc.h>

namespace cairn {

uint32_t crc32c(const void* data, size_t size, uint32_t seed) {
  // ISA-L's crc32_iscsi neither pre- nor post-inverts; the standard CRC32C does both.
  return ~crc32_iscsi(static_cast<unsigned char*>(const_cast<void*>(data)), static_cast<int>(size),
                      ~seed);
}

}  // namespace cairn
