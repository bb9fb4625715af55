// What a wall knows of the followed session, kept from the snapshot and the
// events (docs/protocol.md §3 and §6.5): the session with its agenda, the
// approved posts on the wall and the pinned one. Pages render from it.

export class WallState {
  constructor() {
    this.session = null;
    this.posts = new Map();   // id -> approved post on the wall (wall view)
  }

  // Applies a snapshot or an event; returns true when the wall changed.
  apply(message) {
    switch (message.type) {
      case 'snapshot':
        this.session = message.session;
        this.posts = new Map((message.posts || []).map((post) => [post.id, post]));
        return true;
      case 'session_created':
      case 'session_updated':
      case 'agenda_updated':
      case 'session_opened':
      case 'session_closed':
        this.session = message.session;
        return true;
      case 'current_item_changed':
        if (this.session) this.session = { ...this.session, current_item_id: message.current_item_id };
        return true;
      case 'wall_mode_changed':
        if (this.session) this.session = { ...this.session, wall_mode: message.wall_mode };
        return true;
      case 'overlay_changed':
        if (this.session) this.session = { ...this.session, overlay: message.overlay };
        return true;
      case 'post_approved':
        this.posts.set(message.post.id, message.post);
        return true;
      case 'post_hidden': {
        const had = this.posts.delete(message.post.id);
        if (this.session && this.session.pinned_post_id === message.post.id) {
          this.session = { ...this.session, pinned_post_id: 0 };
        }
        return had;
      }
      case 'post_pinned':
        if (this.session) this.session = { ...this.session, pinned_post_id: message.post_id };
        for (const post of this.posts.values()) post.pinned = post.id === message.post_id;
        return true;
      case 'post_unpinned':
        if (this.session && this.session.pinned_post_id === message.post_id) {
          this.session = { ...this.session, pinned_post_id: 0 };
        }
        if (this.posts.has(message.post_id)) this.posts.get(message.post_id).pinned = false;
        return true;
      default:
        return false;
    }
  }

  item(itemId) {
    return this.session?.agenda?.find((entry) => entry.id === itemId) || null;
  }

  currentItem() {
    return this.session ? this.item(this.session.current_item_id) : null;
  }

  pinnedPost() {
    const id = this.session?.pinned_post_id;
    return id ? this.posts.get(id) || null : null;
  }

  // Approved posts, most recently approved first (the pinned one included).
  wallPosts() {
    return [...this.posts.values()].sort((a, b) => (b.approved_at - a.approved_at) || (b.id - a.id));
  }
}

// "3. Presupuesto municipal 2027"
export function itemLabel(item) {
  return item ? `${item.number}. ${item.title}` : '';
}
