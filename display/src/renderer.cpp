#include "renderer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "surface_paint.hpp"

namespace pleno::display {

namespace {

constexpr int qr_largest_quiet_zone = 4;

colour mix(colour from, colour to, double amount)
{
    auto const channel = [amount](std::uint8_t a, std::uint8_t b) {
        return static_cast<std::uint8_t>(std::lround(a + (b - a) * amount));
    };
    return {channel(from.r, to.r), channel(from.g, to.g), channel(from.b, to.b), channel(from.a, to.a)};
}

rect intersection(rect const& a, rect const& b)
{
    int const x0 = std::max(a.x, b.x);
    int const y0 = std::max(a.y, b.y);
    int const x1 = std::min(a.right(), b.right());
    int const y1 = std::min(a.bottom(), b.bottom());
    if (x1 <= x0 || y1 <= y0)
        return {};
    return {x0, y0, x1 - x0, y1 - y0};
}

rect unite(rect const& a, rect const& b)
{
    if (a.w <= 0 || a.h <= 0)
        return b;
    if (b.w <= 0 || b.h <= 0)
        return a;
    int const x0 = std::min(a.x, b.x);
    int const y0 = std::min(a.y, b.y);
    return {x0, y0, std::max(a.right(), b.right()) - x0, std::max(a.bottom(), b.bottom()) - y0};
}

SDL_Rect to_sdl(rect const& value)
{
    return SDL_Rect{value.x, value.y, value.w, value.h};
}

nlohmann::json rect_json(rect const& value)
{
    return {{"x", value.x}, {"y", value.y}, {"w", value.w}, {"h", value.h}};
}

std::size_t code_points(std::string_view text)
{
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::tm local_time(millis at)
{
    std::time_t const moment = static_cast<std::time_t>(at / 1000);
    std::tm local{};
    localtime_r(&moment, &local);
    return local;
}

// "martes, 24 de noviembre de 2026" in the labels' language.
std::string long_date(std::string const& language, millis at)
{
    std::tm const day = local_time(at);
    static constexpr std::array<std::array<char const*, 7>, 4> weekdays{{
        {"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
        {"diumenge", "dilluns", "dimarts", "dimecres", "dijous", "divendres", "dissabte"},
        {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
        {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
    }};
    static constexpr std::array<std::array<char const*, 12>, 4> months{{
        {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
         "diciembre"},
        {"gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost", "setembre", "octubre", "novembre",
         "desembre"},
        {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
         "décembre"},
        {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
         "December"},
    }};
    std::string const code = language.substr(0, 2);
    std::size_t const which = code == "ca" ? 1 : code == "fr" ? 2 : code == "en" ? 3 : 0;
    auto const weekday = weekdays[which][static_cast<std::size_t>(std::clamp(day.tm_wday, 0, 6))];
    std::string const month = months[which][static_cast<std::size_t>(std::clamp(day.tm_mon, 0, 11))];
    std::string const number = std::to_string(day.tm_mday);
    std::string const year = std::to_string(day.tm_year + 1900);
    switch (which) {
    case 1: {
        // Catalan elides "de" before a vowel: "d'abril", "d'agost", "d'octubre".
        bool const vowel = month.front() == 'a' || month.front() == 'o';
        return std::string(weekday) + ", " + number + (vowel ? " d’" : " de ") + month + " de " + year;
    }
    case 2:
        return std::string(weekday) + " " + (day.tm_mday == 1 ? "1er" : number) + " " + month + " " + year;
    case 3:
        return std::string(weekday) + ", " + number + " " + month + " " + year;
    default:
        return std::string(weekday) + ", " + number + " de " + month + " de " + year;
    }
}

// The address as a person types it: without the scheme and the final slash.
std::string readable_url(std::string url)
{
    for (std::string_view scheme : {"https://", "http://"}) {
        if (url.starts_with(scheme)) {
            url.erase(0, scheme.size());
            break;
        }
    }
    if (url.ends_with('/'))
        url.pop_back();
    return url;
}

}  // namespace

nlohmann::json layout_report::to_json() const
{
    nlohmann::json cards_json = nlohmann::json::array();
    for (auto const& one : cards)
        cards_json.push_back({{"post_id", one.post_id}, {"rect", rect_json(one.where)}, {"pinned", one.pinned}});
    nlohmann::json texts_json = nlohmann::json::array();
    for (auto const& one : texts)
        texts_json.push_back(rect_json(one));
    return {{"width", width},
            {"height", height},
            {"wall", rect_json(wall)},
            {"agenda_title", rect_json(agenda_title)},
            {"cards", std::move(cards_json)},
            {"qr", rect_json(qr)},
            {"qr_modules", qr_modules},
            {"qr_module_pixels", qr_module_pixels},
            {"qr_quiet_modules", qr_quiet_modules},
            {"texts", std::move(texts_json)}};
}

renderer::renderer(SDL_Renderer& target, theme look, int width, int height)
    : target_(target),
      look_(std::move(look)),
      layout_(layout_screen(look_, width, height)),
      text_(look_, height),
      textures_(target_, text_),
      cards_(target_, text_, look_)
{
    load_logo();
    set_public_url(look_.public_url);
    // SDL's software renderer blends pixel by pixel on the CPU: there a card
    // only slides in, which copies; a GPU fades it in for free.
    SDL_RendererInfo info{};
    if (SDL_GetRendererInfo(&target_, &info) == 0 && info.name != nullptr && std::string_view(info.name) == "software")
        fade_entering_cards_ = false;
}

void renderer::load_logo()
{
    logo_.reset();
    if (look_.logo.empty())
        return;
    surface_handle picture{IMG_Load(look_.logo.string().c_str())};
    if (!picture) {
        std::fprintf(stderr, "pleno-display: cannot read the logo %s: %s\n", look_.logo.string().c_str(), IMG_GetError());
        return;
    }
    logo_.reset(SDL_CreateTextureFromSurface(&target_, picture.get()));
    logo_width_ = picture->w;
    logo_height_ = picture->h;
}

void renderer::resize(int width, int height)
{
    if (width == layout_.width && height == layout_.height)
        return;
    layout_ = layout_screen(look_, width, height);
    text_.set_screen_height(height);
    textures_.clear();
    cards_.clear();
    layer_ready_ = false;
}

void renderer::recreate_textures()
{
    textures_.clear();
    cards_.clear();
    layer_.reset();
    layer_ready_ = false;
    load_logo();
    build_qr();
}

void renderer::set_public_url(std::string url)
{
    if (url == public_url_ && (qr_ || url.empty()))
        return;
    public_url_ = std::move(url);
    build_qr();
}

void renderer::build_qr()
{
    qr_.reset();
    qr_texture_.reset();
    if (public_url_.empty())
        return;
    qr_ = encode_qr(public_url_);
    if (!qr_)
        return;
    // One pixel per module with the widest quiet zone; drawn scaled by a whole
    // number with nearest sampling, so every module is a crisp square.
    int const side = qr_->size + 2 * qr_largest_quiet_zone;
    auto surface = make_argb_surface(side, side);
    if (!surface)
        return;
    SDL_LockSurface(surface.get());
    for (int y = 0; y < side; ++y) {
        auto* row = reinterpret_cast<std::uint32_t*>(static_cast<std::uint8_t*>(surface->pixels) +
                                                     static_cast<std::ptrdiff_t>(y) * surface->pitch);
        for (int x = 0; x < side; ++x) {
            int const mx = x - qr_largest_quiet_zone;
            int const my = y - qr_largest_quiet_zone;
            bool const dark = mx >= 0 && my >= 0 && mx < qr_->size && my < qr_->size && qr_->at(mx, my);
            colour const tint = dark ? look_.qr_dark : look_.qr_light;
            row[x] = SDL_MapRGBA(surface->format, tint.r, tint.g, tint.b, 255);
        }
    }
    SDL_UnlockSurface(surface.get());
    qr_texture_.reset(SDL_CreateTextureFromSurface(&target_, surface.get()));
    if (qr_texture_) {
        SDL_SetTextureScaleMode(qr_texture_.get(), SDL_ScaleModeNearest);
        SDL_SetTextureBlendMode(qr_texture_.get(), SDL_BLENDMODE_NONE);
    }
}

// ---- the wall's items -------------------------------------------------------

std::vector<scroll_item> renderer::scroll_items(wall_model const& model)
{
    session_info const* session = model.session() ? &*model.session() : nullptr;
    auto const& shown = model.shown_posts();
    if (!model_seen_ || model.version() != model_version_seen_) {
        cards_.keep_only(shown, session);
        model_version_seen_ = model.version();
        model_seen_ = true;
    }
    wall_post const* pinned = model.pinned_post();
    std::vector<scroll_item> items;
    items.reserve(shown.size());
    for (auto post = shown.rbegin(); post != shown.rend(); ++post) {
        if (pinned != nullptr && post->id == pinned->id)
            continue;
        auto const& card = cards_.layout_for(*post, layout_.wall.w, session);
        double const reading = 3.0 + static_cast<double>(code_points(post->text)) * look_.seconds_per_character;
        items.push_back({post->id, card.height + layout_.margin, reading});
    }
    return items;
}

rect renderer::scroll_area(wall_model const& model)
{
    rect area = layout_.wall;
    if (auto const* pinned = model.pinned_post()) {
        session_info const* session = model.session() ? &*model.session() : nullptr;
        int const used = std::min(area.h, cards_.layout_for(*pinned, area.w, session).height + layout_.margin);
        area.y += used;
        area.h -= used;
    }
    return area;
}

// ---- drawing helpers --------------------------------------------------------

int renderer::cap_height(font_role role) const
{
    // DejaVu's capitals are 0.73 of the em; close enough for any sans-serif to centre by.
    return static_cast<int>(std::lround(0.73 * text_.pixel_size(role)));
}

int renderer::centred_baseline(font_role role, int top, int height) const
{
    return top + (height + cap_height(role)) / 2;
}

std::vector<std::string> renderer::wrap(font_role role, std::string_view text, int width)
{
    return wrap_text(text_, role, text, std::max(width, 1));
}

std::string renderer::fit(font_role role, font_weight weight, std::string const& text, int width)
{
    if (text_.text_width(role, weight, text) <= width)
        return text;
    static constexpr std::string_view ellipsis = "…";
    int const room = std::max(1, width - text_.text_width(role, weight, ellipsis));
    // Cut where wrapping would, so an emoji sequence or an accented letter is never split.
    auto lines = wrap(role, text, room);
    std::string result = lines.empty() ? std::string{} : lines.front();
    while (!result.empty() && text_.text_width(role, weight, result) > room) {
        // The wrap measured in the role's own weight; trim code points for another weight.
        do
            result.pop_back();
        while (!result.empty() && (static_cast<unsigned char>(result.back()) & 0xC0) == 0x80);
        if (!result.empty() && static_cast<unsigned char>(result.back()) >= 0xC0)
            result.pop_back();
    }
    while (!result.empty() && result.back() == ' ')
        result.pop_back();
    return result + std::string(ellipsis);
}

rect renderer::draw_text(font_role role, font_weight weight, std::string_view line, colour tint, int x, int baseline,
                         align where)
{
    auto const cached = textures_.text(role, weight, line, tint);
    if (cached.texture == nullptr)
        return {x, baseline, 0, 0};
    int left = x;
    if (where == align::centre)
        left = x - cached.width / 2;
    else if (where == align::right)
        left = x - cached.width;
    rect const drawn{left, baseline - cached.baseline, cached.width, cached.height};
    SDL_Rect const target = to_sdl(drawn);
    SDL_RenderCopy(&target_, cached.texture, nullptr, &target);
    report_.texts.push_back(drawn);
    return drawn;
}

void renderer::fill(rect area, colour tint)
{
    if (area.w <= 0 || area.h <= 0)
        return;
    SDL_SetRenderDrawBlendMode(&target_, tint.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(&target_, tint.r, tint.g, tint.b, tint.a);
    SDL_Rect const target = to_sdl(area);
    SDL_RenderFillRect(&target_, &target);
}

void renderer::fill_rounded(rect area, int radius, colour tint)
{
    radius = std::clamp(radius, 0, std::min(area.w, area.h) / 2);
    if (radius == 0) {
        fill(area, tint);
        return;
    }
    // The body as three rectangles, the corners as the quarters of one cached disc.
    fill({area.x, area.y + radius, area.w, area.h - 2 * radius}, tint);
    fill({area.x + radius, area.y, area.w - 2 * radius, radius}, tint);
    fill({area.x + radius, area.bottom() - radius, area.w - 2 * radius, radius}, tint);
    auto const disc = textures_.rounded_rect(2 * radius, 2 * radius, radius, tint);
    if (disc.texture == nullptr)
        return;
    struct corner {
        int sx, sy, dx, dy;
    };
    for (auto const& one : {corner{0, 0, area.x, area.y}, corner{radius, 0, area.right() - radius, area.y},
                            corner{0, radius, area.x, area.bottom() - radius},
                            corner{radius, radius, area.right() - radius, area.bottom() - radius}}) {
        SDL_Rect const source{one.sx, one.sy, radius, radius};
        SDL_Rect const target{one.dx, one.dy, radius, radius};
        SDL_RenderCopy(&target_, disc.texture, &source, &target);
    }
}

rect renderer::draw_pill(font_role role, std::string_view line, colour background, colour foreground, int x,
                         int centre_y, align where, std::optional<colour> dot)
{
    auto const label_texture = textures_.text(role, font_weight::bold, line, foreground);
    int const cap = cap_height(role);
    int const height = cap * 2 + cap / 2;
    int const padding = height / 2;
    int const dot_size = dot ? cap : 0;
    int const dot_gap = dot ? cap / 2 + cap / 4 : 0;
    int const width = padding * 2 + dot_size + dot_gap + label_texture.width;
    int const left = where == align::right ? x - width : where == align::centre ? x - width / 2 : x;
    rect const box{left, centre_y - height / 2, width, height};
    fill_rounded(box, height / 2, background);
    if (dot) {
        auto const disc = textures_.rounded_rect(dot_size, dot_size, dot_size / 2, *dot);
        SDL_Rect const target{left + padding, centre_y - dot_size / 2, dot_size, dot_size};
        if (disc.texture != nullptr)
            SDL_RenderCopy(&target_, disc.texture, nullptr, &target);
    }
    draw_text(role, font_weight::bold, line, foreground, left + padding + dot_size + dot_gap, centre_y + cap / 2);
    return box;
}

// ---- the frame --------------------------------------------------------------

// Everything but the cards and what lies over them depends on the session,
// the clock's minute and a few flags: that layer is drawn into a texture only
// when one of them changes, and a frame copies it whole before the cards.
std::string renderer::static_signature(frame_input const& input, wall_model const& model)
{
    if (!signature_model_seen_ || model.version() != signature_model_version_) {
        signature_model_seen_ = true;
        signature_model_version_ = model.version();
        session_signature_.clear();
        if (auto const& session = model.session()) {
            auto const add = [&](std::string_view part) {
                session_signature_.append(std::to_string(part.size())).append(":").append(part);
            };
            add(std::to_string(session->id));
            add(session->title);
            add(session->place);
            add(std::to_string(session->starts_at));
            add(std::to_string(static_cast<int>(session->state)));
            add(std::to_string(static_cast<int>(session->mode)));
            add(std::to_string(session->current_item_id));
            add(session->overlay);
            for (auto const& entry : session->agenda) {
                add(std::to_string(entry.id));
                add(std::to_string(entry.number));
                add(entry.title);
                add(entry.description);
            }
        }
        session_signature_ += model.shown_posts().empty() ? "|empty" : "|posts";
        session_signature_ += model.has_snapshot() ? "|known" : "|unknown";
    }
    std::string signature = session_signature_;
    signature += "|" + std::to_string(layout_.width) + "x" + std::to_string(layout_.height);
    signature += "|" + clock_text(input.now);
    signature += "|" + status_message(input);
    signature += input.scroll_paused ? "|paused" : "|running";
    signature += "|" + public_url_;
    if (input.debug)
        for (auto const& line : debug_lines_)
            signature += "|" + line;
    return signature;
}

void renderer::draw(frame_input const& input)
{
    std::uint64_t const renders_before = text_.renders_total();
    std::uint64_t const debug_before = debug_renders_;
    textures_.begin_frame();
    SDL_RenderSetClipRect(&target_, nullptr);

    static wall_model const empty_model;
    wall_model const& model = input.model != nullptr ? *input.model : empty_model;
    session_info const* session = model.session() ? &*model.session() : nullptr;
    frame_input shown = input;
    shown.model = &model;
    bool const live = session != nullptr && session->state == session_state::live;
    if (input.debug)
        refresh_debug_lines(shown);

    std::string signature = static_signature(shown, model);
    bool const redraw_layer = signature != layer_signature_ || !layer_ready_;
    if (redraw_layer) {
        layer_signature_ = std::move(signature);
        draw_layer(shown, session);
    }

    // The frame: the layer, then the cards, then what covers them.
    report_ = layer_report_;
    if (layer_) {
        SDL_SetTextureBlendMode(layer_.get(), SDL_BLENDMODE_NONE);
        SDL_RenderCopy(&target_, layer_.get(), nullptr, nullptr);
    }
    if (live && session->mode != wall_mode::blank) {
        draw_cards(shown);
        if (!session->overlay.empty())
            draw_overlay(session->overlay);
    }
    if (input.quit_confirm)
        draw_toast(label_text(look_.language, label::quit_confirm));

    // Cached texts live while the layer uses them; the cards' and overlays' are used every frame.
    if (redraw_layer)
        textures_.end_frame();
    last_frame_renders_ = (text_.renders_total() - renders_before) - (debug_renders_ - debug_before);
}

void renderer::draw_layer(frame_input const& input, session_info const* session)
{
    bool const use_layer = SDL_RenderTargetSupported(&target_) == SDL_TRUE;
    SDL_Texture* const previous = SDL_GetRenderTarget(&target_);
    if (use_layer) {
        int width = 0;
        int height = 0;
        if (layer_)
            SDL_QueryTexture(layer_.get(), nullptr, nullptr, &width, &height);
        if (!layer_ || width != layout_.width || height != layout_.height)
            layer_.reset(SDL_CreateTexture(&target_, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET,
                                           std::max(layout_.width, 1), std::max(layout_.height, 1)));
        if (!layer_ || SDL_SetRenderTarget(&target_, layer_.get()) != 0)
            layer_.reset();  // drawn straight to the screen every frame instead
    } else {
        layer_.reset();
    }
    // Without a layer everything is drawn every frame: the signature must never match.
    layer_ready_ = layer_ != nullptr;

    report_ = layout_report{};
    report_.width = layout_.width;
    report_.height = layout_.height;
    report_.wall = layout_.wall;
    SDL_RenderSetClipRect(&target_, nullptr);
    SDL_SetRenderDrawBlendMode(&target_, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(&target_, look_.background.r, look_.background.g, look_.background.b, 255);
    SDL_RenderClear(&target_);

    if (session == nullptr || session->state != session_state::live) {
        draw_waiting(input, session);
    } else {
        draw_header(input, session);
        if (session->mode == wall_mode::blank) {
            // Only the session and its agenda: the panel takes the wall's place too.
            draw_agenda(*session, unite(layout_.agenda, layout_.wall));
        } else {
            draw_agenda(*session, layout_.agenda);
            if (input.model->shown_posts().empty())
                draw_empty_wall(*session);
        }
        draw_footer(input);
    }
    draw_status(input);
    if (input.debug)
        draw_debug();
    layer_report_ = report_;
    if (layer_)
        SDL_SetRenderTarget(&target_, previous);
}

void renderer::draw_header(frame_input const& input, session_info const* session)
{
    rect const band = layout_.header;
    fill(band, look_.header_background);
    int const rule = std::max(2, band.h / 36);
    fill({band.x, band.bottom() - rule, band.w, rule}, look_.accent);
    int const margin = std::max(layout_.margin, 4);
    int const inner_height = band.h - rule;
    int const baseline = centred_baseline(font_role::header, band.y, inner_height);
    int const centre_y = band.y + inner_height / 2;

    int left = margin;
    if (logo_ && layout_.logo.w > 0 && layout_.logo.h > 0 && logo_width_ > 0 && logo_height_ > 0) {
        double const scale = std::min(static_cast<double>(layout_.logo.w) / logo_width_,
                                      static_cast<double>(layout_.logo.h) / logo_height_);
        int const w = static_cast<int>(logo_width_ * scale);
        int const h = static_cast<int>(logo_height_ * scale);
        SDL_Rect const target{layout_.logo.x, layout_.logo.y + (layout_.logo.h - h) / 2, w, h};
        SDL_RenderCopy(&target_, logo_.get(), nullptr, &target);
        left = target.x + w + margin;
    }

    int right = band.right() - margin;
    rect const clock = draw_text(font_role::header, font_weight::bold, clock_text(input.now), look_.text, right, baseline,
                                 align::right);
    right = clock.x - margin * 2;
    colour const on_colour = look_.background;
    if (session != nullptr && session->state == session_state::live) {
        rect const live = draw_pill(font_role::meta, label_text(look_.language, label::live), look_.live, look_.text, right,
                                    centre_y, align::right, look_.text);
        right = live.x - margin;
        if (session->mode == wall_mode::hold) {
            rect const hold = draw_pill(font_role::meta, label_text(look_.language, label::on_hold), look_.accent,
                                        on_colour, right, centre_y, align::right);
            right = hold.x - margin;
        }
    }
    if (input.scroll_paused) {
        rect const paused = draw_pill(font_role::meta, label_text(look_.language, label::paused), look_.muted_text,
                                      on_colour, right, centre_y, align::right);
        right = paused.x - margin;
    }

    int const room = std::max(0, right - margin - left);
    std::string const town = fit(font_role::header, font_weight::bold, look_.town_name, room);
    rect const town_drawn = draw_text(font_role::header, font_weight::bold, town, look_.text, left, baseline);
    left = town_drawn.right() + margin;
    if (session != nullptr && !session->title.empty() && right - margin - left > margin * 4) {
        int const cap = cap_height(font_role::header);
        fill({left, baseline - cap, std::max(2, rule), cap}, look_.accent);
        left += margin + std::max(2, rule);
        std::string const title = fit(font_role::header, font_weight::regular, session->title, right - margin - left);
        draw_text(font_role::header, font_weight::regular, title, look_.muted_text, left, baseline);
    }
}

void renderer::draw_agenda(session_info const& session, rect area)
{
    int const margin = std::max(layout_.margin, 4);
    fill_rounded(area, margin, look_.header_background);
    int const padding = margin * 2;
    int const x = area.x + padding;
    int const inner = area.w - 2 * padding;
    int const bottom = area.bottom() - padding;
    int y = area.y + padding;
    if (inner <= 0)
        return;
    int const body_height = text_.line_height(font_role::agenda_body);

    agenda_entry const* item = session.current_item();
    if (item == nullptr) {
        // No item under debate: the session's title and its agenda, as far as it fits.
        auto const title_lines = wrap(font_role::agenda_title, session.title, inner);
        for (auto const& line : title_lines) {
            if (y + text_.line_height(font_role::agenda_title) > bottom)
                break;
            report_.agenda_title = unite(report_.agenda_title,
                                         draw_text(font_role::agenda_title, font_weight::bold, line, look_.text, x,
                                                   y + text_.ascent(font_role::agenda_title)));
            y += text_.line_height(font_role::agenda_title);
        }
        y += padding / 2;
        for (std::size_t index = 0; index < session.agenda.size(); ++index) {
            if (y + body_height > bottom)
                break;
            auto const& entry = session.agenda[index];
            int const number = entry.number > 0 ? entry.number : static_cast<int>(index) + 1;
            rect const drawn = draw_text(font_role::agenda_body, font_weight::bold, std::to_string(number), look_.accent, x,
                                         y + text_.ascent(font_role::agenda_body));
            int const indent = text_.text_width(font_role::agenda_body, font_weight::bold, "00") + margin;
            (void)drawn;
            draw_text(font_role::agenda_body, font_weight::regular,
                      fit(font_role::agenda_body, font_weight::regular, entry.title, inner - indent), look_.text, x + indent,
                      y + text_.ascent(font_role::agenda_body));
            y += body_height + body_height / 4;
        }
        return;
    }

    int const position = session.current_position();
    std::string const where =
        label_text(look_.language, label::item_of,
                   {{"n", std::to_string(position)}, {"total", std::to_string(session.agenda.size())}});
    draw_text(font_role::agenda_body, font_weight::bold, fit(font_role::agenda_body, font_weight::bold, where, inner),
              look_.accent, x, y + text_.ascent(font_role::agenda_body));
    y += body_height + padding / 2;

    // The item's number, large and in the accent colour, beside its title when the panel is wide enough.
    int const number_value = item->number > 0 ? item->number : position;
    std::string const number = std::to_string(number_value);
    int const number_width = text_.text_width(font_role::overlay, font_weight::bold, number);
    int const gap = margin + margin / 2;
    int const title_size = text_.pixel_size(font_role::agenda_title);
    bool const beside = inner - number_width - gap >= title_size * 7;
    int const title_x = beside ? x + number_width + gap : x;
    int const title_width = beside ? inner - number_width - gap : inner;
    int const title_line = text_.line_height(font_role::agenda_title);
    int const title_ascent = text_.ascent(font_role::agenda_title);
    int const cap_title = cap_height(font_role::agenda_title);
    int const cap_number = cap_height(font_role::overlay);
    int number_bottom = y;
    if (beside) {
        // The number's capitals start where the title's do.
        int const number_baseline = y + title_ascent - cap_title + cap_number;
        draw_text(font_role::overlay, font_weight::bold, number, look_.accent, x, number_baseline);
        number_bottom = number_baseline + title_line - title_ascent;
    } else {
        int const number_baseline = y + cap_number;
        draw_text(font_role::overlay, font_weight::bold, number, look_.accent, x, number_baseline);
        y = number_baseline + padding / 2;
        number_bottom = y;
    }

    // A word wider than the panel (a narrow 4:3 screen) takes the smaller header size rather than a break inside it.
    font_role title_role = font_role::agenda_title;
    std::string_view rest = item->title;
    while (!rest.empty()) {
        auto const end = rest.find(' ');
        if (text_.text_width(font_role::agenda_title, rest.substr(0, end)) > title_width) {
            title_role = font_role::header;
            break;
        }
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
    auto lines = wrap(title_role, item->title, title_width);
    // The title keeps at least room for one line of description below it.
    int const most_lines = std::max(1, (bottom - y - body_height) / std::max(title_line, 1));
    if (static_cast<int>(lines.size()) > most_lines) {
        lines.resize(static_cast<std::size_t>(most_lines));
        lines.back() = fit(title_role, font_weight::bold, lines.back() + " …", title_width);
    }
    for (auto const& line : lines) {
        rect const drawn = draw_text(title_role, font_weight::bold, line, look_.text, title_x, y + text_.ascent(title_role));
        report_.agenda_title = unite(report_.agenda_title, drawn);
        y += text_.line_height(title_role);
    }
    y = std::max(y, number_bottom) + padding / 2;

    if (item->description.empty() || y >= bottom)
        return;
    int const rule = std::max(2, margin / 6);
    fill({x, y, std::min(inner, margin * 6), rule}, look_.accent);
    y += rule + padding / 2;
    auto description = wrap(font_role::agenda_body, item->description, inner);
    int const fitting = std::max(0, (bottom - y) / std::max(body_height, 1));
    if (static_cast<int>(description.size()) > fitting) {
        description.resize(static_cast<std::size_t>(fitting));
        if (!description.empty())
            description.back() = fit(font_role::agenda_body, font_weight::regular, description.back() + " …", inner);
    }
    for (auto const& line : description) {
        draw_text(font_role::agenda_body, font_weight::regular, line, look_.muted_text, x,
                  y + text_.ascent(font_role::agenda_body));
        y += body_height;
    }

    // What comes next on the agenda, one line each, while at least two fit.
    std::size_t const next = static_cast<std::size_t>(position);
    int const row = body_height + body_height / 5;
    if (next >= session.agenda.size() || bottom - y < padding + 2 * row)
        return;
    y += padding;
    fill({x, y, inner, std::max(1, margin / 8)}, mix(look_.header_background, look_.muted_text, 0.25));
    y += padding;
    int const indent = text_.text_width(font_role::agenda_body, font_weight::bold, "00") + margin;
    colour const dim = mix(look_.muted_text, look_.header_background, 0.25);
    for (std::size_t index = next; index < session.agenda.size() && y + body_height <= bottom; ++index) {
        auto const& entry = session.agenda[index];
        int const shown_number = entry.number > 0 ? entry.number : static_cast<int>(index) + 1;
        int const baseline = y + text_.ascent(font_role::agenda_body);
        draw_text(font_role::agenda_body, font_weight::bold, std::to_string(shown_number), dim, x, baseline);
        draw_text(font_role::agenda_body, font_weight::regular,
                  fit(font_role::agenda_body, font_weight::regular, entry.title, inner - indent), dim, x + indent, baseline);
        y += row;
    }
}

void renderer::draw_cards(frame_input const& input)
{
    wall_model const& model = *input.model;
    session_info const* session = model.session() ? &*model.session() : nullptr;
    rect const wall = layout_.wall;
    if (wall.w <= 0 || wall.h <= 0)
        return;

    if (auto const* pinned = model.pinned_post()) {
        auto const& card = cards_.layout_for(*pinned, wall.w, session);
        card_key const key{pinned->id, wall.w, card_cache::about_number(*pinned, session), card_style::pinned};
        if (auto* texture = cards_.texture_for(card, key)) {
            rect const target{wall.x, wall.y, card.width, std::min(card.height, wall.h)};
            SDL_Rect const source{0, 0, target.w, target.h};
            SDL_Rect const destination = to_sdl(target);
            SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_NONE);
            SDL_SetTextureAlphaMod(texture, 255);
            SDL_RenderCopy(&target_, texture, &source, &destination);
            report_.cards.push_back({pinned->id, target, true});
        }
    }

    rect const area = scroll_area(model);
    auto const& shown = model.shown_posts();
    if (input.cards != nullptr && !input.cards->empty() && area.h > 0) {
        std::unordered_map<std::int64_t, wall_post const*> by_id;
        by_id.reserve(shown.size());
        for (auto const& post : shown)
            by_id.emplace(post.id, &post);
        SDL_Rect const clip = to_sdl(area);
        SDL_RenderSetClipRect(&target_, &clip);
        for (auto const& position : *input.cards) {
            auto const found = by_id.find(position.post_id);
            if (found == by_id.end())
                continue;  // hidden since the scroller last heard: it leaves at once
            wall_post const& post = *found->second;
            auto const& card = cards_.layout_for(post, area.w, session);
            card_key const key{post.id, area.w, card_cache::about_number(post, session), card_style::normal};
            SDL_Texture* texture = cards_.texture_for(card, key);
            if (texture == nullptr)
                continue;
            // An entering card slides down out of the wall's top edge as its
            // slot opens (the scroller grows the slot), fading in as it comes
            // where blending is cheap.
            double const progress = std::clamp(position.entering, 0.0, 1.0);
            int const slide = static_cast<int>(std::lround((1.0 - progress) * (card.height + layout_.margin)));
            rect const target{area.x, area.y + position.y - slide, card.width, card.height};
            if (progress < 1.0 && fade_entering_cards_) {
                SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_BLEND);
                SDL_SetTextureAlphaMod(texture, static_cast<std::uint8_t>(std::lround(255 * progress)));
            } else {
                SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_NONE);
                SDL_SetTextureAlphaMod(texture, 255);
            }
            SDL_Rect const destination = to_sdl(target);
            SDL_RenderCopy(&target_, texture, nullptr, &destination);
            rect const visible = intersection(target, area);
            if (visible.w > 0 && visible.h > 0)
                report_.cards.push_back({post.id, visible, false});
        }
        SDL_RenderSetClipRect(&target_, nullptr);
    }
}

void renderer::draw_empty_wall(session_info const& session)
{
    rect const wall = layout_.wall;
    if (session.mode != wall_mode::live || wall.w <= 0 || wall.h <= 0)
        return;
    // An empty wall invites: what is missing, then how to be the first.
    int const width = wall.w - 4 * layout_.margin;
    auto const lines = wrap(font_role::agenda_body, label_text(look_.language, label::no_posts_yet), width);
    std::string call = look_.call_to_action.empty() ? label_text(look_.language, label::call_to_action)
                                                    : look_.call_to_action;
    if (!public_url_.empty())
        call += ": " + readable_url(public_url_);
    auto const invitation = wrap(font_role::agenda_body, call, width);
    int const line = text_.line_height(font_role::agenda_body);
    int const total = line * static_cast<int>(lines.size() + invitation.size()) + line / 2;
    int y = wall.y + (wall.h - total) / 2 + text_.ascent(font_role::agenda_body);
    for (auto const& one : lines) {
        draw_text(font_role::agenda_body, font_weight::regular, one, look_.muted_text, wall.x + wall.w / 2, y,
                  align::centre);
        y += line;
    }
    y += line / 2;
    for (auto const& one : invitation) {
        draw_text(font_role::agenda_body, font_weight::bold, one, look_.accent, wall.x + wall.w / 2, y, align::centre);
        y += line;
    }
}

void renderer::draw_qr()
{
    rect const square = layout_.qr;
    if (!qr_ || !qr_texture_ || square.w <= 0)
        return;
    int const modules = qr_->size;
    // The widest quiet zone (up to the standard's 4 modules) that keeps the largest whole-pixel modules.
    int best_quiet = qr_largest_quiet_zone;
    int best_pixels = 0;
    for (int quiet = qr_largest_quiet_zone; quiet >= 2; --quiet) {
        int const pixels = square.w / (modules + 2 * quiet);
        if (pixels > best_pixels) {
            best_pixels = pixels;
            best_quiet = quiet;
        }
    }
    best_pixels = std::max(best_pixels, 1);
    int const side = best_pixels * (modules + 2 * best_quiet);
    rect const target{square.x, square.y + (square.h - side) / 2, side, side};
    int const skip = qr_largest_quiet_zone - best_quiet;
    SDL_Rect const source{skip, skip, modules + 2 * best_quiet, modules + 2 * best_quiet};
    SDL_Rect const destination = to_sdl(target);
    SDL_RenderCopy(&target_, qr_texture_.get(), &source, &destination);
    report_.qr = target;
    report_.qr_modules = modules;
    report_.qr_module_pixels = best_pixels;
    report_.qr_quiet_modules = best_quiet;
}

void renderer::draw_footer(frame_input const& input)
{
    (void)input;
    rect const band = layout_.footer;
    fill(band, look_.header_background);
    int const margin = std::max(layout_.margin, 4);
    draw_qr();
    int const x = (report_.qr.w > 0 ? report_.qr.right() : band.x) + margin * 2;
    int const room = std::max(0, band.right() - margin - x);
    std::string const call = look_.call_to_action.empty() ? label_text(look_.language, label::call_to_action)
                                                          : look_.call_to_action;
    std::string const address = readable_url(public_url_);
    int const line = text_.line_height(font_role::footer);
    int const lines = address.empty() ? 1 : 2;
    int const cap = cap_height(font_role::footer);
    // The block of lines centred on the band, measured from the first capital to the last baseline.
    int const block = cap + (lines - 1) * line;
    int baseline = band.y + (band.h - block) / 2 + cap;
    draw_text(font_role::footer, font_weight::bold, fit(font_role::footer, font_weight::bold, call, room), look_.text, x,
              baseline);
    if (!address.empty()) {
        baseline += line;
        draw_text(font_role::footer, font_weight::bold, fit(font_role::footer, font_weight::bold, address, room),
                  look_.accent, x, baseline);
    }
}

void renderer::draw_waiting(frame_input const& input, session_info const* session)
{
    draw_header(input, session);
    draw_footer(input);
    rect const content{layout_.margin, layout_.header.bottom() + layout_.margin, layout_.width - 2 * layout_.margin,
                       layout_.footer.y - layout_.header.bottom() - 2 * layout_.margin};
    if (content.w <= 0 || content.h <= 0)
        return;
    int const width = content.w * 4 / 5;

    struct block {
        font_role role;
        font_weight weight;
        colour tint;
        std::vector<std::string> lines;
        int gap_after = 0;
    };
    std::vector<block> blocks;
    int const gap = text_.line_height(font_role::agenda_body) / 2;
    auto const add = [&](font_role role, font_weight weight, colour tint, std::string const& text, int after) {
        if (!text.empty())
            blocks.push_back({role, weight, tint, wrap(role, text, width), after});
    };
    auto const values = [&](millis at) { return std::map<std::string, std::string>{{"time", clock_text(at)}}; };

    if (input.model == nullptr || !input.model->has_snapshot()) {
        // Nothing heard from the server yet: only the town's name; the status pill says why if it lasts.
        add(font_role::agenda_title, font_weight::bold, look_.muted_text, look_.town_name, 0);
    } else if (session == nullptr) {
        add(font_role::agenda_title, font_weight::bold, look_.text, label_text(look_.language, label::no_session), 0);
    } else if (session->state == session_state::closed) {
        add(font_role::agenda_body, font_weight::bold, look_.accent, label_text(look_.language, label::session_closed), gap);
        add(font_role::agenda_title, font_weight::bold, look_.text, session->title, gap);
        if (session->starts_at != 0)
            add(font_role::agenda_body, font_weight::regular, look_.muted_text, long_date(look_.language, session->starts_at), 0);
    } else {
        add(font_role::agenda_body, font_weight::bold, look_.accent, label_text(look_.language, label::waiting_title), gap);
        add(font_role::agenda_title, font_weight::bold, look_.text, session->title, gap);
        if (session->starts_at != 0) {
            std::string when = long_date(look_.language, session->starts_at);
            add(font_role::agenda_body, font_weight::regular, look_.muted_text, when, 0);
        }
        add(font_role::agenda_body, font_weight::regular, look_.muted_text, session->place, gap * 2);
        if (session->starts_at != 0) {
            add(font_role::header, font_weight::bold, look_.text,
                label_text(look_.language, label::starts_at, values(session->starts_at)), gap);
            add(font_role::agenda_body, font_weight::regular, look_.muted_text,
                label_text(look_.language, label::posting_opens_at, values(session->starts_at)), 0);
        }
    }

    // Whole blocks only, from the top, as far as they fit; then centred.
    int total = 0;
    std::size_t fitting = 0;
    for (auto const& one : blocks) {
        int const height = static_cast<int>(one.lines.size()) * text_.line_height(one.role) + one.gap_after;
        if (total + height > content.h)
            break;
        total += height;
        ++fitting;
    }
    int y = content.y + (content.h - total) / 2;
    int const centre = content.x + content.w / 2;
    for (std::size_t index = 0; index < fitting; ++index) {
        auto const& one = blocks[index];
        for (auto const& line : one.lines) {
            draw_text(one.role, one.weight, line, one.tint, centre, y + text_.ascent(one.role), align::centre);
            y += text_.line_height(one.role);
        }
        y += one.gap_after;
    }
}

void renderer::draw_overlay(std::string const& text)
{
    rect const box = layout_.overlay;
    if (box.w <= 0 || box.h <= 0)
        return;
    int const padding = std::max(layout_.margin * 3, 8);
    int const line = text_.line_height(font_role::overlay);
    auto lines = wrap(font_role::overlay, text, box.w - 2 * padding);
    int const fitting = std::max(1, (box.h - 2 * padding) / std::max(line, 1));
    if (static_cast<int>(lines.size()) > fitting) {
        lines.resize(static_cast<std::size_t>(fitting));
        lines.back() = fit(font_role::overlay, font_weight::bold, lines.back() + " …", box.w - 2 * padding);
    }
    int const height = std::min(box.h, static_cast<int>(lines.size()) * line + 2 * padding);
    rect const shown{box.x, box.y + (box.h - height) / 2, box.w, height};
    fill({0, 0, layout_.width, layout_.height}, colour{0, 0, 0, 0x60});
    fill_rounded(shown, layout_.margin * 2, look_.overlay_background);
    int const rule = std::max(3, layout_.margin / 3);
    fill({shown.x + layout_.margin * 2, shown.y, shown.w - layout_.margin * 4, rule}, look_.accent);
    int y = shown.y + padding + text_.ascent(font_role::overlay);
    for (auto const& one : lines) {
        draw_text(font_role::overlay, font_weight::bold, one, look_.overlay_text, shown.x + shown.w / 2, y, align::centre);
        y += line;
    }
}

std::string renderer::status_message(frame_input const& input) const
{
    // A moment of reconnecting is not worth a word on the wall.
    constexpr auto grace = std::chrono::seconds(3);
    if (!input.refusal.empty())
        return input.refusal;
    if (input.link != link_state::online && input.offline_for >= grace)
        return label_text(look_.language, input.link == link_state::offline ? label::offline : label::reconnecting);
    return {};
}

void renderer::draw_status(frame_input const& input)
{
    std::string const message = status_message(input);
    if (message.empty())
        return;
    rect const band = layout_.footer;
    int const margin = std::max(layout_.margin, 4);
    draw_pill(font_role::meta, message, mix(look_.header_background, look_.background, 0.5), look_.muted_text,
              band.right() - margin, band.y + band.h / 2, align::right, look_.offline);
}

void renderer::draw_toast(std::string const& text)
{
    int const margin = std::max(layout_.margin, 4);
    // Dark with light text: it must read over a white card as well as over the background.
    draw_pill(font_role::agenda_body, text, colour{0x00, 0x00, 0x00, 0xe6}, look_.text, layout_.width / 2,
              layout_.footer.y - margin * 4, align::centre);
}

// The figures change every frame; read twice a second they stay legible, and
// the layer they are drawn in is not redrawn for each frame's new numbers.
void renderer::refresh_debug_lines(frame_input const& input)
{
    if (!debug_lines_.empty() && input.now / 500 == debug_refreshed_at_ / 500)
        return;
    debug_refreshed_at_ = input.now;
    debug_lines_.clear();
    std::array<char, 160> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%.1f fps · frame %.2f ms", input.frames_per_second,
                  input.frame_milliseconds);
    debug_lines_.emplace_back(buffer.data());
    std::snprintf(buffer.data(), buffer.size(), "cards cached %zu (%.1f MB) · texts %zu", cards_.texture_count(),
                  static_cast<double>(cards_.texture_pixels()) * 4.0 / (1024.0 * 1024.0), textures_.size());
    debug_lines_.emplace_back(buffer.data());
    std::snprintf(buffer.data(), buffer.size(), "text renders: last frame %llu · total %llu · cards painted %llu",
                  static_cast<unsigned long long>(last_frame_renders_),
                  static_cast<unsigned long long>(text_renders_total()),
                  static_cast<unsigned long long>(cards_.cards_painted()));
    debug_lines_.emplace_back(buffer.data());
    if (input.model != nullptr) {
        char const* link = input.link == link_state::online    ? "online"
                           : input.link == link_state::offline ? "offline"
                                                               : "connecting";
        std::snprintf(buffer.data(), buffer.size(), "session %lld · seq %lld · posts %zu · link %s",
                      static_cast<long long>(input.model->session_id()), static_cast<long long>(input.model->last_seq()),
                      input.model->posts().size(), link);
        debug_lines_.emplace_back(buffer.data());
    }
}

void renderer::draw_debug()
{
    std::uint64_t const before = text_.renders_total();
    int const line = text_.line_height(font_role::meta);
    int const padding = std::max(layout_.margin, 4);
    int width = 0;
    for (auto const& one : debug_lines_)
        width = std::max(width, text_.text_width(font_role::meta, font_weight::regular, one));
    rect const box{padding, padding, width + 2 * padding, static_cast<int>(debug_lines_.size()) * line + 2 * padding};
    fill(box, colour{0, 0, 0, 0xd0});
    int y = box.y + padding + text_.ascent(font_role::meta);
    for (auto const& one : debug_lines_) {
        draw_text(font_role::meta, font_weight::regular, one, colour{0x7f, 0xff, 0x9f, 0xff}, box.x + padding, y);
        y += line;
    }
    debug_renders_ += text_.renders_total() - before;
}

}  // namespace pleno::display
