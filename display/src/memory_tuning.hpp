#pragma once
// How pleno-display asks the C library to manage its memory, so that a wall
// that runs all session long keeps a flat footprint.

namespace pleno::display {

// Card pixels (about a megabyte per card at 1920x1080) are allocated and
// freed all session long. By default glibc raises its mmap threshold each
// time such a block is freed, after which the blocks come from the heap and
// fragment it: the resident size creeps up by a few megabytes an hour. A
// fixed threshold keeps every large block in its own mapping, returned to
// the system when the card goes. Call once, first thing in main().
void keep_large_blocks_apart();

}  // namespace pleno::display
