// Shows the current session and its wall, read from /api/session. User text
// is only ever set with textContent.
const byId = (id) => document.getElementById(id);

async function refresh() {
  const response = await fetch('/api/session', { cache: 'no-store' });
  if (!response.ok) return;
  const snapshot = await response.json();
  const session = snapshot.session;
  if (!session) {
    byId('session-title').textContent = 'Pleno';
    byId('current-item').textContent = 'No hay ninguna sesión.';
    return;
  }
  byId('session-title').textContent = session.title;
  byId('session-place').textContent = session.place;
  const item = session.agenda.find((entry) => entry.id === session.current_item_id);
  byId('current-item').textContent = item ? `${item.number}. ${item.title}` : '—';
  const wall = byId('wall');
  wall.replaceChildren(...snapshot.posts.slice().reverse().map((post) => {
    const entry = document.createElement('li');
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent = post.author;
    entry.append(author, document.createTextNode(post.text));
    return entry;
  }));
}

refresh();
setInterval(refresh, 5000);
