#pragma once
// A QR code as a square matrix of modules (libqrencode), for the footer's
// "post from your phone" link. No drawing here.

#include <optional>
#include <string>
#include <vector>

namespace pleno::display {

struct qr_matrix {
    int size = 0;                 // modules per side, without the quiet zone
    std::vector<bool> dark;       // size * size, row by row
    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * size + x)]; }
};

// Medium error correction; nothing when the text cannot be encoded.
std::optional<qr_matrix> encode_qr(std::string const& text);

}  // namespace pleno::display
