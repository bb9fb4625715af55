#include "memory_tuning.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pleno::display {

void keep_large_blocks_apart()
{
#if defined(__GLIBC__)
    // 256 KiB: text lines and small surfaces stay on the heap, cards do not.
    // Setting it at all turns off glibc's dynamic adjustment.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

}  // namespace pleno::display
