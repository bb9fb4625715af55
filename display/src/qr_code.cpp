#include "qr_code.hpp"

#include <memory>

#include <qrencode.h>

namespace pleno::display {
namespace {

struct qr_code_deleter {
    void operator()(QRcode* code) const { QRcode_free(code); }
};
using qr_code_handle = std::unique_ptr<QRcode, qr_code_deleter>;

}  // namespace

std::optional<qr_matrix> encode_qr(std::string const& text)
{
    // libqrencode refuses empty input, and reads the text up to its first NUL:
    // a text with a NUL inside would be encoded cut short, so refuse it here.
    if (text.empty() || text.find('\0') != std::string::npos)
        return std::nullopt;
    // Version 0: the smallest that fits. Byte mode and case-sensitive keep a URL exactly as written.
    qr_code_handle code(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code || code->width <= 0 || code->data == nullptr)
        return std::nullopt;

    qr_matrix matrix;
    matrix.size = code->width;
    auto const modules = static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
    matrix.dark.resize(modules);
    // Bit 0 of each byte is the module's colour; the other bits describe its role.
    for (std::size_t index = 0; index < modules; ++index)
        matrix.dark[index] = (code->data[index] & 1U) != 0;
    return matrix;
}

}  // namespace pleno::display
