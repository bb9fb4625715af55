// The login of the staff pages (moderator console, chair page). The server
// keeps the login in an HttpOnly, SameSite=Strict cookie: the page never sees
// the token and never puts it in a URL. What a role may do is decided by the
// server on every message; the page only shows the right form.
//
// Markup each staff page provides:
//   <section id="login" hidden> <form id="login-form"> #login-name, #login-password,
//     <p id="login-error" role="alert"> </form> </section>
//   <div id="app" hidden> ... <span id="account-name"></span> <button id="logout"> ... </div>
//
//   startLogin({roles: ['moderator', 'chair'], onReady: (me) => ..., onLogout: () => ...})

import { byId } from './dom.js';
import { addStrings, t } from './i18n.js';
import { whoAmI, logIn, logOut } from './connection.js';

addStrings({
  es: {
    login_heading: 'Entrar',
    login_name: 'Usuario',
    login_password: 'Contraseña',
    login_submit: 'Entrar',
    login_bad_credentials: 'Usuario o contraseña incorrectos.',
    login_too_many: 'Demasiados intentos. Espere un momento y vuelva a probar.',
    login_wrong_role: 'Esta cuenta no puede usar esta página.',
    login_failed: 'No se ha podido entrar. Inténtelo de nuevo.',
    logout: 'Salir',
  },
  ca: {
    login_heading: 'Entrar',
    login_name: 'Usuari',
    login_password: 'Contrasenya',
    login_submit: 'Entrar',
    login_bad_credentials: 'Usuari o contrasenya incorrectes.',
    login_too_many: 'Massa intents. Espereu un moment i torneu-ho a provar.',
    login_wrong_role: 'Aquest compte no pot fer servir aquesta pàgina.',
    login_failed: 'No s\u2019ha pogut entrar. Torneu-ho a provar.',
    logout: 'Sortir',
  },
  fr: {
    login_heading: 'Connexion',
    login_name: 'Identifiant',
    login_password: 'Mot de passe',
    login_submit: 'Se connecter',
    login_bad_credentials: 'Identifiant ou mot de passe incorrect.',
    login_too_many: 'Trop de tentatives. Attendez un peu puis réessayez.',
    login_wrong_role: 'Ce compte ne peut pas utiliser cette page.',
    login_failed: 'Connexion impossible. Réessayez.',
    logout: 'Se déconnecter',
  },
  en: {
    login_heading: 'Log in',
    login_name: 'User name',
    login_password: 'Password',
    login_submit: 'Log in',
    login_bad_credentials: 'Wrong user name or password.',
    login_too_many: 'Too many attempts. Wait a moment and try again.',
    login_wrong_role: 'This account cannot use this page.',
    login_failed: 'Could not log in. Please try again.',
    logout: 'Log out',
  },
});

export function startLogin({ roles, onReady, onLogout = () => {} }) {
  const loginSection = byId('login');
  const app = byId('app');
  const form = byId('login-form');
  const error = byId('login-error');
  let ready = false;

  function showLogin(message = '') {
    app.hidden = true;
    loginSection.hidden = false;
    error.textContent = message;
    byId('login-password').value = '';
    byId('login-name').focus();
  }

  function enter(me) {
    if (!roles.includes(me.role)) {
      showLogin(t('login_wrong_role'));
      return;
    }
    loginSection.hidden = true;
    app.hidden = false;
    byId('account-name').textContent = me.account;
    if (!ready) {
      ready = true;
      onReady(me);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const me = await logIn(byId('login-name').value.trim(), byId('login-password').value);
      byId('login-password').value = '';
      enter(me);
    } catch (failure) {
      const key = failure.status === 401 ? 'login_bad_credentials'
        : failure.status === 429 ? 'login_too_many' : 'login_failed';
      showLogin(t(key));
    } finally {
      submit.disabled = false;
    }
  });

  byId('logout').addEventListener('click', async () => {
    await logOut();
    onLogout();
    // A fresh page: nothing of the session stays in memory.
    location.reload();
  });

  whoAmI().then((me) => (me ? enter(me) : showLogin()));

  // Called by the page when the server refused its login (expired, logged
  // out elsewhere, account removed).
  return {
    // After a new login onReady runs again: the page starts a new Connection.
    expired() {
      ready = false;
      showLogin(t('connection_refused'));
    },
  };
}
