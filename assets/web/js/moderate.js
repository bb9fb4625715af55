// The moderator console (/moderate): the queue of pending posts, the recent
// decisions, counters and a preview of the projector, kept live from the
// staff snapshot and events (docs/protocol.md §3, §5.6–5.8, §6.5).
//
// The login is the HttpOnly cookie set by POST /api/login (js/login.js): this
// page never sees the token. The server decides on every message whether the
// account may moderate; the page only follows.
//
// Keys (not while typing in a field):
//   J / K (or ↓ / ↑ inside a list)  move the selection in the queue, or in
//                                   "Decided" when the focus is there (Escape
//                                   there goes back to the queue)
//   A  approve the selected queue post
//   R  reject it: opens the reasons; 1–9 picks one, Escape cancels
//   H  hide, P pin / unpin: the post marked in "Decided" (the one focused
//      there, else the last post approved from this console)
//   B  ban the author of the selected post (queue, or "Decided" when focused there)
//
// User text (posts, names, reasons, titles) only ever goes in through
// textContent (el() from dom.js).

import { byId, el, formatDuration, formatTime } from './dom.js';
import { addStrings, t, applyTranslations, languageSwitch, onLanguageChange, language } from './i18n.js';
import { Connection } from './connection.js';
import { startLogin } from './login.js';
import { WallState, itemLabel } from './session-state.js';

addStrings({
  es: {
    mod_page_title: 'Pleno — moderación',
    mod_heading: 'Moderación',
    mod_skip: 'Ir a la cola',
    mod_login_intro: 'Consola de moderación, solo para cuentas de moderación y de presidencia.',
    mod_account: 'Cuenta:',
    mod_no_session: 'No hay ninguna sesión',
    mod_counters: 'Contadores',
    mod_count_waiting: 'En espera',
    mod_count_approved: 'Aprobados',
    mod_count_rejected: 'Rechazados',
    mod_median_wait: 'Espera mediana',
    mod_median_title: 'Mediana del tiempo entre el envío y la decisión, sobre los mensajes ya decididos.',
    mod_counts_partial: 'Contados sobre las {n} decisiones que conoce esta consola (las más recientes); las anteriores no se incluyen.',
    mod_queue: 'Cola',
    mod_queue_count: 'Cola ({n})',
    mod_queue_empty: 'No hay mensajes esperando.',
    mod_queue_actions: 'Acciones sobre el mensaje seleccionado',
    mod_approve: 'Aprobar',
    mod_reject: 'Rechazar',
    mod_ban: 'Expulsar al autor',
    mod_hide: 'Ocultar',
    mod_pin: 'Fijar',
    mod_unpin: 'Desfijar',
    mod_hide_of: 'Ocultar el mensaje de {author}',
    mod_pin_of: 'Fijar el mensaje de {author}',
    mod_unpin_of: 'Desfijar el mensaje de {author}',
    mod_ban_of: 'Expulsar de la sesión a {author}',
    mod_waiting_for: 'espera {time}',
    mod_no_item: 'Sin punto del orden del día',
    mod_flag: '⚑ Lista de palabras: {words}',
    mod_reject_heading: 'Rechazar el mensaje de {author}',
    mod_reject_hint: 'Pulse una cifra (1–9) o un botón para elegir el motivo; escriba antes la nota si quiere añadir una. Esc cancela.',
    mod_reject_detail: 'Nota para el autor (opcional)',
    mod_reject_reasons: 'Motivo',
    mod_cancel: 'Cancelar',
    mod_ban_heading: 'Expulsar a {author} de esta sesión',
    mod_ban_summary: 'Sus mensajes en espera ({n}) se rechazarán y no podrá publicar más en esta sesión.',
    mod_ban_reason: 'Motivo (lo verá el autor)',
    mod_ban_reason_missing: 'Escriba el motivo de la expulsión.',
    mod_ban_confirm: 'Sí, expulsar',
    mod_decided: 'Decididos',
    mod_decided_empty: 'Todavía no hay decisiones.',
    mod_decided_more: 'Se muestran las {n} decisiones más recientes.',
    mod_decided_approved: 'Aprobado por {who}',
    mod_decided_rejected: 'Rechazado por {who}',
    mod_decided_hidden: 'Oculto por {who}',
    mod_status_approved: 'aprobado',
    mod_status_rejected: 'rechazado',
    mod_status_hidden: 'oculto',
    mod_status_pending: 'en espera',
    mod_pinned: 'Fijado',
    mod_author_banned: 'Autor expulsado',
    mod_preview: 'Lo que muestra el proyector',
    mod_preview_mode: 'Muro:',
    mod_preview_empty: 'Ningún mensaje en el muro.',
    mod_mode_live: 'en directo',
    mod_mode_hold: 'en pausa (congelado)',
    mod_mode_blank: 'en blanco (solo la sesión y el orden del día)',
    mod_keys: 'Teclas',
    mod_key_jk: 'Bajar / subir en la lista: la cola, o «Decididos» si el foco está allí (Esc vuelve a la cola).',
    mod_key_a: 'Aprobar el mensaje seleccionado de la cola.',
    mod_key_r: 'Rechazarlo: abre los motivos; 1–9 elige uno; Esc cancela.',
    mod_key_h: 'Ocultar el mensaje marcado en «Decididos»: el que tiene el foco allí o, si no, el último que aprobó en esta consola.',
    mod_key_p: 'Fijar o desfijar ese mismo mensaje.',
    mod_key_b: 'Expulsar de la sesión al autor del mensaje seleccionado (pide confirmación).',
    mod_key_typing: 'Las teclas no actúan mientras escribe en un campo.',
    mod_done_approved: 'Aprobado el mensaje de {author}.',
    mod_done_rejected: 'Rechazado el mensaje de {author} ({reason}).',
    mod_done_hidden: 'Ocultado el mensaje de {author}.',
    mod_done_pinned: 'Fijado el mensaje de {author}.',
    mod_done_unpinned: 'Desfijado el mensaje de {author}.',
    mod_done_banned: 'Expulsión aplicada a {author}; mensajes en espera rechazados: {n}.',
    mod_nothing_selected: 'No hay ningún mensaje seleccionado en la cola.',
    mod_nothing_marked: 'No hay ningún mensaje aprobado marcado: elija uno en «Decididos».',
    mod_new_post: 'Nuevo mensaje en la cola, de {author}.',
    mod_new_posts: '{n} mensajes nuevos en la cola.',
    mod_error_already_decided: 'Ya estaba decidido: {status} por {who}.',
    mod_error_post_not_found: 'Ese mensaje no existe.',
    mod_error_not_approved: 'El mensaje no está en el muro.',
    mod_error_not_pinned: 'El mensaje no está fijado.',
    mod_error_invalid_reason: 'Ese motivo no está en la lista.',
    mod_error_text_too_long: 'El texto es demasiado largo (como máximo 200 caracteres).',
    mod_error_citizen_not_found: 'Esa persona no tiene mensajes en esta sesión.',
    mod_error_session_not_found: 'La sesión ya no existe.',
    mod_error_forbidden: 'Esta cuenta no puede hacer eso.',
    mod_error_store_unavailable: 'No se ha podido guardar; no ha cambiado nada. Vuelva a intentarlo.',
    mod_error_internal_error: 'Error en el servidor. Vuelva a intentarlo.',
    mod_error_connection_lost: 'Sin conexión: no se ha hecho nada. Vuelva a intentarlo al reconectar.',
    mod_error_generic: 'No se ha podido hacer.',
    mod_reason_off_topic: 'Fuera de tema',
    mod_reason_insult: 'Insulto o acoso',
    mod_reason_personal_data: 'Datos personales de alguien',
    mod_reason_advertising: 'Publicidad o spam',
    mod_reason_duplicate: 'Ya se ha dicho',
    mod_reason_other: 'Otro motivo',
    mod_reason_banned: 'Autor expulsado de la sesión',
  },
  ca: {
    mod_page_title: 'Pleno — moderació',
    mod_heading: 'Moderació',
    mod_skip: 'Anar a la cua',
    mod_login_intro: 'Consola de moderació, només per a comptes de moderació i de presidència.',
    mod_account: 'Compte:',
    mod_no_session: 'No hi ha cap sessió',
    mod_counters: 'Comptadors',
    mod_count_waiting: 'En espera',
    mod_count_approved: 'Aprovats',
    mod_count_rejected: 'Rebutjats',
    mod_median_wait: 'Espera mediana',
    mod_median_title: 'Mediana del temps entre l\u2019enviament i la decisió, sobre els missatges ja decidits.',
    mod_counts_partial: 'Comptats sobre les {n} decisions que coneix aquesta consola (les més recents); les anteriors no s\u2019hi inclouen.',
    mod_queue: 'Cua',
    mod_queue_count: 'Cua ({n})',
    mod_queue_empty: 'No hi ha missatges esperant.',
    mod_queue_actions: 'Accions sobre el missatge seleccionat',
    mod_approve: 'Aprovar',
    mod_reject: 'Rebutjar',
    mod_ban: 'Expulsar l\u2019autor',
    mod_hide: 'Amagar',
    mod_pin: 'Fixar',
    mod_unpin: 'Desfixar',
    mod_hide_of: 'Amagar el missatge de {author}',
    mod_pin_of: 'Fixar el missatge de {author}',
    mod_unpin_of: 'Desfixar el missatge de {author}',
    mod_ban_of: 'Expulsar de la sessió {author}',
    mod_waiting_for: 'espera {time}',
    mod_no_item: 'Sense punt de l\u2019ordre del dia',
    mod_flag: '⚑ Llista de paraules: {words}',
    mod_reject_heading: 'Rebutjar el missatge de {author}',
    mod_reject_hint: 'Premeu una xifra (1–9) o un botó per triar el motiu; escriviu abans la nota si en voleu afegir una. Esc cancel·la.',
    mod_reject_detail: 'Nota per a l\u2019autor (opcional)',
    mod_reject_reasons: 'Motiu',
    mod_cancel: 'Cancel·lar',
    mod_ban_heading: 'Expulsar {author} d\u2019aquesta sessió',
    mod_ban_summary: 'Els seus missatges en espera ({n}) es rebutjaran i no podrà publicar més en aquesta sessió.',
    mod_ban_reason: 'Motiu (el veurà l\u2019autor)',
    mod_ban_reason_missing: 'Escriviu el motiu de l\u2019expulsió.',
    mod_ban_confirm: 'Sí, expulsar',
    mod_decided: 'Decidits',
    mod_decided_empty: 'Encara no hi ha decisions.',
    mod_decided_more: 'Es mostren les {n} decisions més recents.',
    mod_decided_approved: 'Aprovat per {who}',
    mod_decided_rejected: 'Rebutjat per {who}',
    mod_decided_hidden: 'Amagat per {who}',
    mod_status_approved: 'aprovat',
    mod_status_rejected: 'rebutjat',
    mod_status_hidden: 'amagat',
    mod_status_pending: 'en espera',
    mod_pinned: 'Fixat',
    mod_author_banned: 'Autor expulsat',
    mod_preview: 'El que mostra el projector',
    mod_preview_mode: 'Mur:',
    mod_preview_empty: 'Cap missatge al mur.',
    mod_mode_live: 'en directe',
    mod_mode_hold: 'en pausa (congelat)',
    mod_mode_blank: 'en blanc (només la sessió i l\u2019ordre del dia)',
    mod_keys: 'Tecles',
    mod_key_jk: 'Baixar / pujar a la llista: la cua, o «Decidits» si el focus hi és (Esc torna a la cua).',
    mod_key_a: 'Aprovar el missatge seleccionat de la cua.',
    mod_key_r: 'Rebutjar-lo: obre els motius; 1–9 en tria un; Esc cancel·la.',
    mod_key_h: 'Amagar el missatge marcat a «Decidits»: el que hi té el focus o, si no, l\u2019últim que heu aprovat en aquesta consola.',
    mod_key_p: 'Fixar o desfixar aquest mateix missatge.',
    mod_key_b: 'Expulsar de la sessió l\u2019autor del missatge seleccionat (demana confirmació).',
    mod_key_typing: 'Les tecles no actuen mentre escriviu en un camp.',
    mod_done_approved: 'Aprovat el missatge de {author}.',
    mod_done_rejected: 'Rebutjat el missatge de {author} ({reason}).',
    mod_done_hidden: 'Amagat el missatge de {author}.',
    mod_done_pinned: 'Fixat el missatge de {author}.',
    mod_done_unpinned: 'Desfixat el missatge de {author}.',
    mod_done_banned: 'Expulsió aplicada a {author}; missatges en espera rebutjats: {n}.',
    mod_nothing_selected: 'No hi ha cap missatge seleccionat a la cua.',
    mod_nothing_marked: 'No hi ha cap missatge aprovat marcat: trieu-ne un a «Decidits».',
    mod_new_post: 'Missatge nou a la cua, de {author}.',
    mod_new_posts: '{n} missatges nous a la cua.',
    mod_error_already_decided: 'Ja estava decidit: {status} per {who}.',
    mod_error_post_not_found: 'Aquest missatge no existeix.',
    mod_error_not_approved: 'El missatge no és al mur.',
    mod_error_not_pinned: 'El missatge no està fixat.',
    mod_error_invalid_reason: 'Aquest motiu no és a la llista.',
    mod_error_text_too_long: 'El text és massa llarg (com a màxim 200 caràcters).',
    mod_error_citizen_not_found: 'Aquesta persona no té missatges en aquesta sessió.',
    mod_error_session_not_found: 'La sessió ja no existeix.',
    mod_error_forbidden: 'Aquest compte no pot fer això.',
    mod_error_store_unavailable: 'No s\u2019ha pogut desar; no ha canviat res. Torneu-ho a provar.',
    mod_error_internal_error: 'Error al servidor. Torneu-ho a provar.',
    mod_error_connection_lost: 'Sense connexió: no s\u2019ha fet res. Torneu-ho a provar quan es reconnecti.',
    mod_error_generic: 'No s\u2019ha pogut fer.',
    mod_reason_off_topic: 'Fora de tema',
    mod_reason_insult: 'Insult o assetjament',
    mod_reason_personal_data: 'Dades personals d\u2019algú',
    mod_reason_advertising: 'Publicitat o correu brossa',
    mod_reason_duplicate: 'Ja s\u2019ha dit',
    mod_reason_other: 'Un altre motiu',
    mod_reason_banned: 'Autor expulsat de la sessió',
  },
  fr: {
    mod_page_title: 'Pleno — modération',
    mod_heading: 'Modération',
    mod_skip: 'Aller à la file d\u2019attente',
    mod_login_intro: 'Console de modération, réservée aux comptes de modération et de présidence.',
    mod_account: 'Compte :',
    mod_no_session: 'Aucune séance',
    mod_counters: 'Compteurs',
    mod_count_waiting: 'En attente',
    mod_count_approved: 'Approuvés',
    mod_count_rejected: 'Refusés',
    mod_median_wait: 'Attente médiane',
    mod_median_title: 'Médiane du temps entre l\u2019envoi et la décision, sur les messages déjà traités.',
    mod_counts_partial: 'Comptés sur les {n} décisions que connaît cette console (les plus récentes) ; les précédentes ne sont pas incluses.',
    mod_queue: 'File d\u2019attente',
    mod_queue_count: 'File d\u2019attente ({n})',
    mod_queue_empty: 'Aucun message en attente.',
    mod_queue_actions: 'Actions sur le message sélectionné',
    mod_approve: 'Approuver',
    mod_reject: 'Refuser',
    mod_ban: 'Exclure l\u2019auteur',
    mod_hide: 'Masquer',
    mod_pin: 'Épingler',
    mod_unpin: 'Désépingler',
    mod_hide_of: 'Masquer le message de {author}',
    mod_pin_of: 'Épingler le message de {author}',
    mod_unpin_of: 'Désépingler le message de {author}',
    mod_ban_of: 'Exclure {author} de la séance',
    mod_waiting_for: 'attend depuis {time}',
    mod_no_item: 'Hors ordre du jour',
    mod_flag: '⚑ Liste de mots : {words}',
    mod_reject_heading: 'Refuser le message de {author}',
    mod_reject_hint: 'Tapez un chiffre (1–9) ou choisissez un bouton pour le motif ; écrivez d\u2019abord la note si vous voulez en ajouter une. Échap annule.',
    mod_reject_detail: 'Note pour l\u2019auteur (facultative)',
    mod_reject_reasons: 'Motif',
    mod_cancel: 'Annuler',
    mod_ban_heading: 'Exclure {author} de cette séance',
    mod_ban_summary: 'Ses messages en attente ({n}) seront refusés et cette personne ne pourra plus publier pendant cette séance.',
    mod_ban_reason: 'Motif (visible par l\u2019auteur)',
    mod_ban_reason_missing: 'Indiquez le motif de l\u2019exclusion.',
    mod_ban_confirm: 'Oui, exclure',
    mod_decided: 'Traités',
    mod_decided_empty: 'Aucune décision pour l\u2019instant.',
    mod_decided_more: 'Les {n} décisions les plus récentes sont affichées.',
    mod_decided_approved: 'Approuvé par {who}',
    mod_decided_rejected: 'Refusé par {who}',
    mod_decided_hidden: 'Masqué par {who}',
    mod_status_approved: 'approuvé',
    mod_status_rejected: 'refusé',
    mod_status_hidden: 'masqué',
    mod_status_pending: 'en attente',
    mod_pinned: 'Épinglé',
    mod_author_banned: 'Auteur exclu',
    mod_preview: 'Ce qu\u2019affiche le projecteur',
    mod_preview_mode: 'Mur :',
    mod_preview_empty: 'Aucun message sur le mur.',
    mod_mode_live: 'en direct',
    mod_mode_hold: 'en pause (figé)',
    mod_mode_blank: 'vide (seulement la séance et l\u2019ordre du jour)',
    mod_keys: 'Raccourcis clavier',
    mod_key_jk: 'Descendre / monter dans la liste : la file, ou « Traités » si le focus s\u2019y trouve (Échap revient à la file).',
    mod_key_a: 'Approuver le message sélectionné dans la file.',
    mod_key_r: 'Le refuser : ouvre les motifs ; 1–9 en choisit un ; Échap annule.',
    mod_key_h: 'Masquer le message marqué dans « Traités » : celui qui y a le focus, sinon le dernier que vous avez approuvé dans cette console.',
    mod_key_p: 'Épingler ou désépingler ce même message.',
    mod_key_b: 'Exclure de la séance l\u2019auteur du message sélectionné (avec confirmation).',
    mod_key_typing: 'Les raccourcis ne fonctionnent pas pendant la saisie dans un champ.',
    mod_done_approved: 'Message de {author} approuvé.',
    mod_done_rejected: 'Message de {author} refusé ({reason}).',
    mod_done_hidden: 'Message de {author} masqué.',
    mod_done_pinned: 'Message de {author} épinglé.',
    mod_done_unpinned: 'Message de {author} désépinglé.',
    mod_done_banned: '{author} est exclu(e) de la séance ; messages en attente refusés : {n}.',
    mod_nothing_selected: 'Aucun message sélectionné dans la file.',
    mod_nothing_marked: 'Aucun message approuvé n\u2019est marqué : choisissez-en un dans « Traités ».',
    mod_new_post: 'Nouveau message dans la file, de {author}.',
    mod_new_posts: '{n} nouveaux messages dans la file.',
    mod_error_already_decided: 'Déjà traité : {status} par {who}.',
    mod_error_post_not_found: 'Ce message n\u2019existe pas.',
    mod_error_not_approved: 'Le message n\u2019est pas sur le mur.',
    mod_error_not_pinned: 'Le message n\u2019est pas épinglé.',
    mod_error_invalid_reason: 'Ce motif ne figure pas dans la liste.',
    mod_error_text_too_long: 'Le texte est trop long (200 caractères au maximum).',
    mod_error_citizen_not_found: 'Cette personne n\u2019a aucun message dans cette séance.',
    mod_error_session_not_found: 'La séance n\u2019existe plus.',
    mod_error_forbidden: 'Ce compte ne peut pas faire cela.',
    mod_error_store_unavailable: 'L\u2019enregistrement a échoué ; rien n\u2019a changé. Réessayez.',
    mod_error_internal_error: 'Erreur du serveur. Réessayez.',
    mod_error_connection_lost: 'Hors ligne : rien n\u2019a été fait. Réessayez une fois reconnecté.',
    mod_error_generic: 'Action impossible.',
    mod_reason_off_topic: 'Hors sujet',
    mod_reason_insult: 'Insulte ou harcèlement',
    mod_reason_personal_data: 'Données personnelles d\u2019un tiers',
    mod_reason_advertising: 'Publicité ou spam',
    mod_reason_duplicate: 'Déjà dit',
    mod_reason_other: 'Autre motif',
    mod_reason_banned: 'Auteur exclu de la séance',
  },
  en: {
    mod_page_title: 'Pleno — moderation',
    mod_heading: 'Moderation',
    mod_skip: 'Skip to the queue',
    mod_login_intro: 'Moderation console, for moderator and chair accounts only.',
    mod_account: 'Account:',
    mod_no_session: 'No session',
    mod_counters: 'Counters',
    mod_count_waiting: 'Waiting',
    mod_count_approved: 'Approved',
    mod_count_rejected: 'Rejected',
    mod_median_wait: 'Median wait',
    mod_median_title: 'Median time from posting to decision, over the posts already decided.',
    mod_counts_partial: 'Counted over the {n} decisions this console knows (the most recent ones); earlier ones are not included.',
    mod_queue: 'Queue',
    mod_queue_count: 'Queue ({n})',
    mod_queue_empty: 'No posts waiting.',
    mod_queue_actions: 'Actions on the selected post',
    mod_approve: 'Approve',
    mod_reject: 'Reject',
    mod_ban: 'Ban the author',
    mod_hide: 'Hide',
    mod_pin: 'Pin',
    mod_unpin: 'Unpin',
    mod_hide_of: 'Hide the post by {author}',
    mod_pin_of: 'Pin the post by {author}',
    mod_unpin_of: 'Unpin the post by {author}',
    mod_ban_of: 'Ban {author} from the session',
    mod_waiting_for: 'waiting {time}',
    mod_no_item: 'No agenda item',
    mod_flag: '⚑ Word list: {words}',
    mod_reject_heading: 'Reject the post by {author}',
    mod_reject_hint: 'Press a digit (1–9) or a button to pick the reason; type the note first if you want to add one. Escape cancels.',
    mod_reject_detail: 'Note for the author (optional)',
    mod_reject_reasons: 'Reason',
    mod_cancel: 'Cancel',
    mod_ban_heading: 'Ban {author} from this session',
    mod_ban_summary: 'Their waiting posts ({n}) will be rejected and they will not be able to post again in this session.',
    mod_ban_reason: 'Reason (the author will see it)',
    mod_ban_reason_missing: 'Write the reason for the ban.',
    mod_ban_confirm: 'Yes, ban',
    mod_decided: 'Decided',
    mod_decided_empty: 'No decisions yet.',
    mod_decided_more: 'Showing the {n} most recent decisions.',
    mod_decided_approved: 'Approved by {who}',
    mod_decided_rejected: 'Rejected by {who}',
    mod_decided_hidden: 'Hidden by {who}',
    mod_status_approved: 'approved',
    mod_status_rejected: 'rejected',
    mod_status_hidden: 'hidden',
    mod_status_pending: 'waiting',
    mod_pinned: 'Pinned',
    mod_author_banned: 'Author banned',
    mod_preview: 'What the projector shows',
    mod_preview_mode: 'Wall:',
    mod_preview_empty: 'No posts on the wall.',
    mod_mode_live: 'live',
    mod_mode_hold: 'on hold (frozen)',
    mod_mode_blank: 'blank (only the session and the agenda)',
    mod_keys: 'Keys',
    mod_key_jk: 'Move down / up the list: the queue, or "Decided" when the focus is there (Escape goes back to the queue).',
    mod_key_a: 'Approve the selected post in the queue.',
    mod_key_r: 'Reject it: opens the reasons; 1–9 picks one; Escape cancels.',
    mod_key_h: 'Hide the post marked in "Decided": the one focused there, otherwise the last post you approved in this console.',
    mod_key_p: 'Pin or unpin that same post.',
    mod_key_b: 'Ban the author of the selected post from the session (asks first).',
    mod_key_typing: 'Keys do nothing while you type in a field.',
    mod_done_approved: 'Approved the post by {author}.',
    mod_done_rejected: 'Rejected the post by {author} ({reason}).',
    mod_done_hidden: 'Hid the post by {author}.',
    mod_done_pinned: 'Pinned the post by {author}.',
    mod_done_unpinned: 'Unpinned the post by {author}.',
    mod_done_banned: '{author} is banned from the session; waiting posts rejected: {n}.',
    mod_nothing_selected: 'No post is selected in the queue.',
    mod_nothing_marked: 'No approved post is marked: pick one in "Decided".',
    mod_new_post: 'New post in the queue, from {author}.',
    mod_new_posts: '{n} new posts in the queue.',
    mod_error_already_decided: 'Already decided: {status} by {who}.',
    mod_error_post_not_found: 'That post does not exist.',
    mod_error_not_approved: 'The post is not on the wall.',
    mod_error_not_pinned: 'The post is not pinned.',
    mod_error_invalid_reason: 'That reason is not in the list.',
    mod_error_text_too_long: 'The text is too long (200 characters at most).',
    mod_error_citizen_not_found: 'That person has no posts in this session.',
    mod_error_session_not_found: 'The session no longer exists.',
    mod_error_forbidden: 'This account may not do that.',
    mod_error_store_unavailable: 'Could not save; nothing changed. Please try again.',
    mod_error_internal_error: 'Server error. Please try again.',
    mod_error_connection_lost: 'Offline: nothing was done. Try again once reconnected.',
    mod_error_generic: 'That could not be done.',
    mod_reason_off_topic: 'Off topic',
    mod_reason_insult: 'Insult or harassment',
    mod_reason_personal_data: 'Personal data of someone',
    mod_reason_advertising: 'Advertising or spam',
    mod_reason_duplicate: 'Already said',
    mod_reason_other: 'Other',
    mod_reason_banned: 'Author banned from this session',
  },
});

// The server's default reason labels: a town that configured its own labels
// sees them as written; the defaults are translated.
const defaultReasonLabels = {
  off_topic: 'Off topic',
  insult: 'Insult or harassment',
  personal_data: 'Personal data of someone',
  advertising: 'Advertising or spam',
  duplicate: 'Already said',
  other: 'Other',
  banned: 'Author banned from this session',
};

const decidedShown = 100;       // decisions rendered in #decided
const previewPosts = 6;         // posts in the projector preview
const waitRefreshMs = 5000;

const queueList = byId('queue');
const decidedList = byId('decided');
const rejectPanel = byId('reject-panel');
const banPanel = byId('ban-panel');

// ---- state -----------------------------------------------------------------

let connection = null;
let me = null;                  // {account, role} from /api/me
let focusOnSnapshot = false;    // move the focus into the queue once loaded
let pendingFocus = null;        // 'queue': give the focus back to the queue after rendering
let agendaStamp = 0;            // changes when the agenda (item labels) changes
let lastAgenda = null;

const state = {
  reasons: [],                  // welcome.reasons
  clockOffset: 0,               // server clock − ours (ms)
  sessionId: 0,
  loaded: false,
  wall: new WallState(),
  queue: new Map(),             // id -> pending post (staff view)
  decided: new Map(),           // id -> decided post (staff view)
  partial: false,               // the snapshot's `decided` was full: older decisions unknown
  banned: new Set(),            // citizen ids banned from the followed session
  busy: new Set(),              // queue posts with a decision on its way
  selectedId: 0,                // selected queue post
  markedId: 0,                  // marked post in #decided (target of H / P)
  frozen: null,                 // the preview's posts while the wall is on hold
  rejectFor: 0,                 // post the reject panel is open for
  banFor: null,                 // post whose author the ban panel is about
};

function resetState() {
  state.reasons = [];
  state.sessionId = 0;
  state.loaded = false;
  state.wall = new WallState();
  state.queue = new Map();
  state.decided = new Map();
  state.partial = false;
  state.banned = new Set();
  state.busy = new Set();
  state.selectedId = 0;
  state.markedId = 0;
  state.frozen = null;
  queueList.setAttribute('aria-busy', 'true');
  closeReject();
  closeBan();
}

const now = () => Date.now() + state.clockOffset;

// ---- texts -----------------------------------------------------------------

function translated(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

function reasonLabel(code, label) {
  if (label && defaultReasonLabels[code] !== label) return label;
  return translated(`mod_reason_${code}`, label || code);
}

function statusLabel(status) {
  return translated(`mod_status_${status}`, status || '?');
}

function itemText(itemId) {
  return itemLabel(state.wall.item(itemId)) || t('mod_no_item');
}

function waitText(post) {
  return t('mod_waiting_for', { time: formatDuration(now() - post.submitted_at) });
}

function errorText(error) {
  if (error?.code === 'already_decided') {
    const details = error.details || {};
    return t('mod_error_already_decided', { status: statusLabel(details.status), who: details.decided_by || '?' });
  }
  return translated(`mod_error_${error?.code}`, error?.message || t('mod_error_generic'));
}

function authorOf(postId) {
  const post = state.queue.get(postId) || state.decided.get(postId) || state.wall.posts.get(postId);
  return post ? post.author : `#${postId}`;
}

let statusTimer = null;
function say(text, kind = 'ok') {
  const status = byId('action-status');
  status.dataset.kind = kind;
  // Cleared first so that the same sentence twice is announced twice.
  status.textContent = '';
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { status.textContent = text; }, 30);
}

let news = [];
let newsTimer = null;
function announceNewPost(post) {
  news.push(post.author);
  clearTimeout(newsTimer);
  newsTimer = setTimeout(() => {
    byId('queue-news').textContent = news.length === 1
      ? t('mod_new_post', { author: news[0] }) : t('mod_new_posts', { n: news.length });
    news = [];
  }, 800);
}

// ---- the connection --------------------------------------------------------

const login = startLogin({
  roles: ['moderator', 'chair'],
  onReady: (who) => startConsole(who),
  onLogout: () => { if (connection) connection.stop(); },
});

function startConsole(who) {
  if (connection) connection.stop();
  me = who;
  resetState();
  renderAll();
  focusOnSnapshot = true;
  connection = new Connection({
    role: 'moderator',
    path: '/ws/staff',   // the server's staff lane: commands are read at once
    onMessage: (message) => handle(message),
    onState: (value) => showConnection(value),
  });
  showConnection('connecting');
  connection.start();
}

function showConnection(value) {
  const status = byId('connection-status');
  status.dataset.state = value;
  status.textContent = t(`connection_${value}`);
  if (value === 'refused') {
    // Logged out elsewhere, expired or removed: back to the login form.
    if (connection) connection.stop();
    connection = null;
    resetState();
    renderAll();
    login.expired();
    return;
  }
  // Buttons work only while connected.
  for (const button of document.querySelectorAll('#reject-reasons button, #ban-confirm')) button.disabled = value !== 'open';
  renderAll();
}

function handle(message) {
  switch (message.type) {
    case 'welcome':
      state.reasons = message.reasons || [];
      state.clockOffset = (message.server_time || Date.now()) - Date.now();
      renderReasons();
      return;
    case 'snapshot':
      applySnapshot(message);
      return;
    case 'resumed':
    case 'current_session':
      return;
    case 'error':
      say(errorText(message), 'error');
      return;
    default:
      if (typeof message.seq === 'number') applyEvent(message);
  }
}

function applySnapshot(snapshot) {
  const sameSession = snapshot.session_id === state.sessionId;
  state.sessionId = snapshot.session_id;
  state.wall.apply(snapshot);
  state.queue = new Map((snapshot.queue || []).map((post) => [post.id, post]));
  state.decided = new Map((snapshot.decided || []).map((post) => [post.id, post]));
  state.partial = (snapshot.decided || []).length >= 200;
  if (!sameSession) {
    state.banned = new Set();
    state.frozen = null;
    state.markedId = 0;
    state.selectedId = 0;
  }
  for (const post of state.decided.values()) {
    if (post.reject_reason === 'banned' && post.citizen_id) state.banned.add(post.citizen_id);
  }
  for (const id of [...state.busy]) if (!state.queue.has(id)) state.busy.delete(id);
  if (state.frozen) state.frozen = state.frozen.filter((post) => state.wall.posts.has(post.id));
  followWallMode();
  if (state.rejectFor && !state.queue.has(state.rejectFor)) closeReject();
  state.loaded = true;
  queueList.setAttribute('aria-busy', 'false');
  renderAll();
  if (focusOnSnapshot) {
    focusOnSnapshot = false;
    if (document.activeElement === document.body || !document.activeElement) focusQueue();
  }
}

function applyEvent(event) {
  if (event.session_id !== state.sessionId) return;
  state.wall.apply(event);
  const post = event.post;
  switch (event.type) {
    case 'post_submitted':
      if (post.status === 'pending') {
        state.queue.set(post.id, post);
        announceNewPost(post);
      }
      break;
    case 'post_approved':
    case 'post_rejected':
    case 'post_hidden':
      leaveQueue(post.id);
      state.decided.set(post.id, post);
      if (post.reject_reason === 'banned' && post.citizen_id) state.banned.add(post.citizen_id);
      if (event.type === 'post_hidden' && state.frozen) state.frozen = state.frozen.filter((shown) => shown.id !== post.id);
      break;
    case 'post_pinned':
      for (const decided of state.decided.values()) decided.pinned = decided.id === event.post_id;
      break;
    case 'post_unpinned':
      if (state.decided.has(event.post_id)) state.decided.get(event.post_id).pinned = false;
      break;
    case 'citizen_banned':
      state.banned.add(event.citizen_id);
      break;
    default:
      break;
  }
  followWallMode();
  renderAll();
}

// A post left the queue (decided here or elsewhere): keep a sensible
// selection, and the focus where it was if it was on that post.
function leaveQueue(postId) {
  if (!state.queue.has(postId)) return;
  const order = queueOrder();
  const index = order.findIndex((post) => post.id === postId);
  const hadFocus = document.activeElement?.closest?.(`li.queue-post[data-post-id="${postId}"]`);
  state.queue.delete(postId);
  state.busy.delete(postId);
  if (state.rejectFor === postId) closeReject();
  if (state.selectedId === postId) {
    const rest = order.filter((post) => post.id !== postId);
    const next = rest[Math.min(index, rest.length - 1)];
    state.selectedId = next ? next.id : 0;
    if (hadFocus) pendingFocus = 'queue';
  }
}

// The projector keeps its picture while on hold (hidden posts still leave it).
function followWallMode() {
  const mode = state.wall.session?.wall_mode || 'live';
  if (mode === 'hold') {
    if (!state.frozen) state.frozen = livePreviewPosts();
  } else {
    state.frozen = null;
  }
}

// ---- rendering -------------------------------------------------------------

function renderAll() {
  const agenda = state.wall.session?.agenda || null;
  if (agenda !== lastAgenda) {
    lastAgenda = agenda;
    agendaStamp += 1;
  }
  renderHeader();
  renderQueue();
  renderDecided();
  renderCounters();
  renderPreview();
  updateToolbar();
  if (pendingFocus === 'queue') {
    pendingFocus = null;
    focusQueue();
  }
}

function renderHeader() {
  const session = state.wall.session;
  byId('mod-session-title').textContent = session ? session.title : (state.loaded ? t('mod_no_session') : '');
  const badge = byId('mod-session-state');
  badge.textContent = session ? t(`state_${session.state}`) : '';
  badge.dataset.state = session ? session.state : '';
  badge.hidden = !session;
}

function queueOrder() {
  return [...state.queue.values()].sort((a, b) => (a.submitted_at - b.submitted_at) || (a.id - b.id));
}

// Puts `items` (elements) into `list` in order, moving as few nodes as
// possible so that the focus stays where it is.
function reconcile(list, items) {
  const wanted = new Set(items);
  for (const child of [...list.children]) if (!wanted.has(child)) child.remove();
  let cursor = list.firstElementChild;
  for (const item of items) {
    if (item === cursor) {
      cursor = cursor.nextElementSibling;
    } else {
      list.insertBefore(item, cursor);
    }
  }
}

const queueItems = new Map();   // id -> li

function renderQueue() {
  const order = queueOrder();
  if (state.selectedId && !state.queue.has(state.selectedId)) state.selectedId = 0;
  if (!state.selectedId && order.length) state.selectedId = order[0].id;
  for (const [id, item] of queueItems) if (!state.queue.has(id)) queueItems.delete(id);
  const items = order.map((post) => {
    let item = queueItems.get(post.id);
    const version = `${language()}|${agendaStamp}`;
    if (!item) {
      item = el('li', {
        class: 'queue-post',
        id: `queue-post-${post.id}`,
        dataset: { postId: post.id },
        attrs: { role: 'option', 'aria-selected': 'false', tabindex: '-1' },
        on: { click: () => selectQueue(post.id, { focus: true }) },
      });
      queueItems.set(post.id, item);
    }
    if (item.dataset.version !== version) {
      item.dataset.version = version;
      fillQueueItem(item, post);
    }
    const selected = post.id === state.selectedId;
    item.setAttribute('aria-selected', selected ? 'true' : 'false');
    item.tabIndex = selected ? 0 : -1;
    item.classList.toggle('is-busy', state.busy.has(post.id));
    return item;
  });
  reconcile(queueList, items);
  byId('queue-empty').hidden = !state.loaded || order.length > 0;
  const heading = byId('queue-heading').firstElementChild;
  heading.textContent = t('mod_queue_count', { n: order.length });
}

function fillQueueItem(item, post) {
  const children = [
    el('p', { class: 'post-meta' },
      el('span', { class: 'post-author', text: post.author }),
      el('span', { class: 'post-item', text: itemText(post.item_id) }),
      el('span', { class: 'post-wait', text: waitText(post) })),
    el('p', { class: 'post-text', text: post.text }),
  ];
  if (post.flags && post.flags.length) {
    children.push(el('p', { class: 'post-flag', text: t('mod_flag', { words: post.flags.join(', ') }) }));
  }
  item.replaceChildren(...children);
}

function refreshWaits() {
  for (const [id, item] of queueItems) {
    const post = state.queue.get(id);
    const wait = item.querySelector('.post-wait');
    if (post && wait) wait.textContent = waitText(post);
  }
}

function decidedOrder() {
  const at = (post) => Math.max(post.decided_at || 0, post.hidden_at || 0);
  return [...state.decided.values()].sort((a, b) => (at(b) - at(a)) || (b.id - a.id));
}

const decidedItems = new Map();   // id -> li

function renderDecided() {
  const order = decidedOrder().slice(0, decidedShown);
  const focused = document.activeElement;
  const focusedItem = focused?.closest?.('li.decided-post');
  const focusedAction = focused?.dataset?.action || null;
  const focusedId = focusedItem ? Number(focusedItem.dataset.postId) : 0;
  // (markedId may name a post whose event has not arrived yet: the ack of an
  // approve comes before its post_approved.)
  for (const [id] of decidedItems) if (!state.decided.has(id)) decidedItems.delete(id);
  const items = order.map((post) => {
    let item = decidedItems.get(post.id);
    if (!item) {
      item = el('li', {
        class: 'decided-post',
        dataset: { postId: post.id },
        attrs: { tabindex: '-1' },
        on: {
          focusin: () => markDecided(post.id),
          click: () => markDecided(post.id),
        },
      });
      decidedItems.set(post.id, item);
    }
    const banned = state.banned.has(post.citizen_id);
    const version = `${language()}|${agendaStamp}|${post.status}|${post.pinned}|${banned}|${connection?.isOpen}|${post.decided_at}|${post.hidden_at}`;
    if (item.dataset.version !== version) {
      item.dataset.version = version;
      fillDecidedItem(item, post, banned);
    }
    item.dataset.status = post.status;
    const marked = post.id === state.markedId;
    if (marked) item.setAttribute('aria-current', 'true');
    else item.removeAttribute('aria-current');
    return item;
  });
  // Roving tabindex: the marked post (or the first) is the one Tab reaches.
  const tabbable = items.find((item) => Number(item.dataset.postId) === state.markedId) || items[0];
  for (const item of items) item.tabIndex = item === tabbable ? 0 : -1;
  reconcile(decidedList, items);
  // A rebuilt post loses the focus: give it back to the same button, or the post.
  if (focusedId && (!document.activeElement || document.activeElement === document.body)) {
    const item = decidedItems.get(focusedId);
    if (item && item.isConnected) {
      (item.querySelector(`button[data-action="${focusedAction}"]`) || item).focus();
    }
  }
  byId('decided-empty').hidden = !state.loaded || order.length > 0;
  byId('decided-note').textContent = state.decided.size > decidedShown ? t('mod_decided_more', { n: decidedShown }) : '';
}

function fillDecidedItem(item, post, banned) {
  const who = post.status === 'hidden' ? post.hidden_by : post.decided_by;
  const at = post.status === 'hidden' ? post.hidden_at : post.decided_at;
  const open = Boolean(connection?.isOpen);
  const meta = el('p', { class: 'post-meta' },
    el('span', { class: 'decided-status', text: t(`mod_decided_${post.status}`, { who: who || '?' }) }),
    el('span', { class: 'decided-time', text: formatTime(at, language()) }),
    post.pinned && post.status === 'approved' ? el('span', { class: 'post-pinned', text: t('mod_pinned') }) : null);
  const children = [
    meta,
    el('p', { class: 'post-byline' },
      el('span', { class: 'post-author', text: post.author }),
      el('span', { class: 'post-item', text: itemText(post.item_id) })),
    el('p', { class: 'post-text', text: post.text }),
  ];
  if (post.status === 'rejected') {
    const reason = reasonLabel(post.reject_reason, post.reject_label);
    children.push(el('p', { class: 'post-reason', text: post.reject_detail ? `${reason}: ${post.reject_detail}` : reason }));
  }
  const buttons = [];
  const button = (action, className, label, aria, extra = {}) => el('button', {
    class: className,
    text: label,
    dataset: { action },
    attrs: { type: 'button', 'aria-label': aria, disabled: !open, ...extra },
    on: { click: (event) => { event.stopPropagation(); markDecided(post.id); decidedAction(action, post.id); } },
  });
  if (post.status === 'approved') {
    buttons.push(button('hide', 'hide-post danger', t('mod_hide'), t('mod_hide_of', { author: post.author }), { 'aria-keyshortcuts': 'H' }));
    buttons.push(post.pinned
      ? button('unpin', 'unpin-post secondary', t('mod_unpin'), t('mod_unpin_of', { author: post.author }), { 'aria-keyshortcuts': 'P' })
      : button('pin', 'pin-post secondary', t('mod_pin'), t('mod_pin_of', { author: post.author }), { 'aria-keyshortcuts': 'P' }));
  }
  if (banned) {
    children.push(el('p', { class: 'post-banned', text: t('mod_author_banned') }));
  } else if (post.citizen_id) {
    buttons.push(button('ban', 'ban-author secondary', t('mod_ban'), t('mod_ban_of', { author: post.author })));
  }
  if (buttons.length) children.push(el('div', { class: 'decided-actions' }, buttons));
  item.replaceChildren(...children);
}

function renderCounters() {
  let approved = 0;
  let rejected = 0;
  const waits = [];
  for (const post of state.decided.values()) {
    if (post.status === 'rejected') rejected += 1;
    else approved += 1;   // approved, or approved and later hidden
    if (post.decided_at && post.submitted_at && post.decided_at >= post.submitted_at) waits.push(post.decided_at - post.submitted_at);
  }
  waits.sort((a, b) => a - b);
  let median = null;
  if (waits.length) {
    const middle = Math.floor(waits.length / 2);
    median = waits.length % 2 ? waits[middle] : (waits[middle - 1] + waits[middle]) / 2;
  }
  byId('count-waiting').textContent = String(state.queue.size);
  byId('count-approved').textContent = String(approved);
  byId('count-rejected').textContent = String(rejected);
  byId('median-wait').textContent = median === null ? '—' : formatDuration(median);
  const counters = byId('counters');
  if (state.partial) counters.title = t('mod_counts_partial', { n: state.decided.size });
  else counters.removeAttribute('title');
  byId('median-wait').parentElement.title = state.partial
    ? `${t('mod_median_title')} ${t('mod_counts_partial', { n: state.decided.size })}` : t('mod_median_title');
}

// The pinned post first, then the most recently approved ones.
function livePreviewPosts() {
  const pinned = state.wall.pinnedPost();
  const rest = state.wall.wallPosts().filter((post) => !pinned || post.id !== pinned.id);
  return [pinned, ...rest].filter(Boolean).slice(0, previewPosts)
    .map((post) => ({ id: post.id, author: post.author, text: post.text, pinned: Boolean(pinned && post.id === pinned.id) }));
}

function renderPreview() {
  const session = state.wall.session;
  const mode = session?.wall_mode || 'live';
  const preview = byId('preview');
  preview.dataset.mode = mode;
  byId('preview-title').textContent = session ? session.title : t('mod_no_session');
  byId('preview-item').textContent = itemLabel(state.wall.currentItem()) || t('no_item');
  const modeText = byId('preview-mode');
  modeText.textContent = t(`mod_mode_${mode}`);
  modeText.dataset.mode = mode;
  const overlay = byId('preview-overlay');
  overlay.textContent = session?.overlay || '';
  overlay.hidden = !session?.overlay;

  const posts = mode === 'blank' ? [] : (state.frozen || livePreviewPosts());
  byId('preview-posts').replaceChildren(...posts.map((post) => el('li', {
    class: 'preview-post',
    dataset: { postId: post.id, pinned: post.pinned ? 'true' : 'false' },
  },
  post.pinned ? el('span', { class: 'preview-pin', text: t('mod_pinned') }) : null,
  el('span', { class: 'post-author', text: post.author }),
  el('span', { class: 'post-text', text: post.text }))));
  const agenda = byId('preview-agenda');
  agenda.hidden = mode !== 'blank' || !session;
  agenda.replaceChildren(...(mode === 'blank' && session ? session.agenda : []).map((item) => el('li', {
    class: item.id === session.current_item_id ? 'is-current' : '',
    text: itemLabel(item),
  })));
  byId('preview-empty').hidden = mode === 'blank' || posts.length > 0 || !session;
}

function renderReasons() {
  byId('reject-reasons').replaceChildren(...state.reasons.map((reason, index) => el('button', {
    class: 'reason',
    dataset: { reason: reason.code },
    attrs: { type: 'button', 'aria-keyshortcuts': index < 9 ? String(index + 1) : null },
    on: { click: () => pickReason(reason.code) },
  },
  index < 9 ? el('kbd', { text: String(index + 1) }) : null,
  ` ${reasonLabel(reason.code, reason.label)}`)));
}

function updateToolbar() {
  const open = Boolean(connection?.isOpen);
  const post = state.queue.get(state.selectedId);
  for (const id of ['approve-selected', 'reject-selected', 'ban-selected']) {
    const button = byId(id);
    button.disabled = !open || !post;
    button.setAttribute('aria-describedby', post ? `queue-post-${post.id}` : '');
  }
  if (!post) for (const id of ['approve-selected', 'reject-selected', 'ban-selected']) byId(id).removeAttribute('aria-describedby');
}

// ---- selection -------------------------------------------------------------

function selectQueue(postId, { focus = false } = {}) {
  if (!state.queue.has(postId)) return;
  state.selectedId = postId;
  renderQueue();
  updateToolbar();
  const item = queueItems.get(postId);
  if (item) {
    if (focus) item.focus();
    item.scrollIntoView({ block: 'nearest' });
  }
}

function focusQueue() {
  const item = queueItems.get(state.selectedId);
  if (item && item.isConnected) item.focus();
  else byId('queue-heading').focus();
}

function moveQueue(step) {
  const order = queueOrder();
  if (!order.length) return;
  const index = order.findIndex((post) => post.id === state.selectedId);
  const next = index < 0 ? 0 : Math.max(0, Math.min(order.length - 1, index + step));
  selectQueue(order[next].id, { focus: true });
}

function markDecided(postId) {
  if (state.markedId === postId) return;
  state.markedId = postId;
  renderDecided();
}

function moveDecided(step) {
  const order = decidedOrder().slice(0, decidedShown);
  if (!order.length) return;
  const index = order.findIndex((post) => post.id === state.markedId);
  const next = index < 0 ? 0 : Math.max(0, Math.min(order.length - 1, index + step));
  state.markedId = order[next].id;
  renderDecided();
  const item = decidedItems.get(state.markedId);
  if (item) {
    item.focus();
    item.scrollIntoView({ block: 'nearest' });
  }
}

// The next post to select once `postId` is on its way out of the queue.
function selectAfter(postId) {
  const order = queueOrder().filter((post) => post.id === postId || !state.busy.has(post.id));
  const index = order.findIndex((post) => post.id === postId);
  const next = order[index + 1] || order[index - 1];
  if (next && next.id !== postId) {
    const hadFocus = document.activeElement?.closest?.('#queue');
    selectQueue(next.id, { focus: Boolean(hadFocus) || document.activeElement === document.body });
  }
}

// ---- actions ---------------------------------------------------------------

async function send(message) {
  if (!connection) throw { code: 'connection_lost' };
  return connection.request(message);
}

function decisionFailed(postId, error) {
  state.busy.delete(postId);
  if (error?.code === 'already_decided' || error?.code === 'post_not_found') {
    // Someone else was faster: it is no longer ours to decide.
    leaveQueue(postId);
  }
  renderAll();
  say(errorText(error), 'error');
}

async function approve(postId) {
  const post = state.queue.get(postId);
  if (!post || state.busy.has(postId)) return;
  state.busy.add(postId);
  selectAfter(postId);
  renderQueue();
  try {
    await send({ type: 'approve', post_id: postId });
    state.markedId = postId;    // H / P now act on it
    say(t('mod_done_approved', { author: post.author }));
    renderAll();
  } catch (error) {
    decisionFailed(postId, error);
  }
}

function openReject() {
  const post = state.queue.get(state.selectedId);
  if (!post) {
    say(t('mod_nothing_selected'), 'error');
    return;
  }
  closeBan();
  state.rejectFor = post.id;
  byId('reject-heading').textContent = t('mod_reject_heading', { author: post.author });
  byId('reject-detail').value = '';
  rejectPanel.hidden = false;
  rejectPanel.focus();
  rejectPanel.scrollIntoView({ block: 'nearest' });
}

function closeReject({ restoreFocus = false } = {}) {
  const wasOpen = !rejectPanel.hidden;
  state.rejectFor = 0;
  rejectPanel.hidden = true;
  if (wasOpen && restoreFocus) focusQueue();
}

async function pickReason(code) {
  const postId = state.rejectFor;
  const post = state.queue.get(postId);
  if (!post) {
    closeReject({ restoreFocus: true });
    return;
  }
  const detail = byId('reject-detail').value.trim();
  const reason = state.reasons.find((entry) => entry.code === code);
  closeReject();
  state.busy.add(postId);
  selectAfter(postId);
  focusQueue();
  renderQueue();
  try {
    const message = { type: 'reject', post_id: postId, reason: code };
    if (detail) message.detail = detail;
    await send(message);
    say(t('mod_done_rejected', { author: post.author, reason: reasonLabel(code, reason?.label) }));
  } catch (error) {
    decisionFailed(postId, error);
  }
}

function openBan(post) {
  if (!post || !post.citizen_id) {
    say(t('mod_nothing_selected'), 'error');
    return;
  }
  closeReject();
  state.banFor = post;
  const waiting = [...state.queue.values()].filter((entry) => entry.citizen_id === post.citizen_id).length;
  byId('ban-heading').textContent = t('mod_ban_heading', { author: post.author });
  byId('ban-summary').textContent = t('mod_ban_summary', { n: waiting });
  byId('ban-reason').value = '';
  byId('ban-error').textContent = '';
  byId('ban-reason').removeAttribute('aria-invalid');
  banPanel.hidden = false;
  banPanel.scrollIntoView({ block: 'nearest' });
  byId('ban-reason').focus();
}

function closeBan({ restoreFocus = false } = {}) {
  const wasOpen = !banPanel.hidden;
  state.banFor = null;
  banPanel.hidden = true;
  if (wasOpen && restoreFocus) focusQueue();
}

async function confirmBan() {
  const post = state.banFor;
  if (!post) return;
  const reason = byId('ban-reason').value.trim();
  if (!reason) {
    byId('ban-error').textContent = t('mod_ban_reason_missing');
    byId('ban-reason').setAttribute('aria-invalid', 'true');
    byId('ban-reason').focus();
    return;
  }
  closeBan({ restoreFocus: true });
  try {
    const ack = await send({ type: 'ban', session_id: post.session_id, citizen_id: post.citizen_id, reason });
    say(t('mod_done_banned', { author: post.author, n: ack.rejected_posts ?? 0 }));
  } catch (error) {
    say(errorText(error), 'error');
  }
}

// H / P / B target in #decided: the focused post there, else the marked one
// (the last post approved here, or the last one clicked).
function decidedTarget() {
  const focused = document.activeElement?.closest?.('li.decided-post');
  if (focused) return state.decided.get(Number(focused.dataset.postId)) || null;
  return state.decided.get(state.markedId) || null;
}

async function decidedAction(action, postId) {
  const post = state.decided.get(postId);
  if (!post) return;
  if (action === 'ban') {
    openBan(post);
    return;
  }
  const done = { hide: 'mod_done_hidden', pin: 'mod_done_pinned', unpin: 'mod_done_unpinned' }[action];
  try {
    await send({ type: action, post_id: postId });
    say(t(done, { author: post.author }));
  } catch (error) {
    say(errorText(error), 'error');
  }
}

function hideMarked() {
  const post = decidedTarget();
  if (!post || post.status !== 'approved') {
    say(t('mod_nothing_marked'), 'error');
    return;
  }
  decidedAction('hide', post.id);
}

function togglePinMarked() {
  const post = decidedTarget();
  if (!post || post.status !== 'approved') {
    say(t('mod_nothing_marked'), 'error');
    return;
  }
  const pinned = post.pinned || state.wall.session?.pinned_post_id === post.id;
  decidedAction(pinned ? 'unpin' : 'pin', post.id);
}

function banSelected() {
  const inDecided = document.activeElement?.closest?.('#decided');
  openBan(inDecided ? decidedTarget() : state.queue.get(state.selectedId));
}

// ---- keys ------------------------------------------------------------------

function isTyping(target) {
  return Boolean(target?.closest?.('input, textarea, select, [contenteditable]:not([contenteditable="false"])'));
}

document.addEventListener('keydown', (event) => {
  if (byId('app').hidden || !connection) return;
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  const key = event.key;
  if (key === 'Escape') {
    if (!rejectPanel.hidden) {
      event.preventDefault();
      closeReject({ restoreFocus: true });
    } else if (!banPanel.hidden) {
      event.preventDefault();
      closeBan({ restoreFocus: true });
    } else if (event.target?.closest?.('#decided')) {
      event.preventDefault();
      focusQueue();
    }
    return;
  }
  if (isTyping(event.target)) return;
  if (!rejectPanel.hidden) {
    if (/^[1-9]$/.test(key)) {
      const reason = state.reasons[Number(key) - 1];
      if (reason) {
        event.preventDefault();
        pickReason(reason.code);
      }
    }
    return;   // other keys wait until a reason is picked or the panel closed
  }
  if (!banPanel.hidden) return;
  const inDecided = Boolean(event.target?.closest?.('#decided'));
  const inQueue = Boolean(event.target?.closest?.('#queue'));
  const lower = key.length === 1 ? key.toLowerCase() : key;
  let handled = true;
  switch (lower) {
    case 'j':
      if (inDecided) moveDecided(1); else moveQueue(1);
      break;
    case 'k':
      if (inDecided) moveDecided(-1); else moveQueue(-1);
      break;
    case 'ArrowDown':
    case 'ArrowUp': {
      const step = lower === 'ArrowDown' ? 1 : -1;
      if (inDecided && event.target.matches('li.decided-post')) moveDecided(step);
      else if (inQueue) moveQueue(step);
      else handled = false;
      break;
    }
    case 'Home':
    case 'End':
      if (inQueue) {
        const order = queueOrder();
        if (order.length) selectQueue(order[lower === 'Home' ? 0 : order.length - 1].id, { focus: true });
      } else handled = false;
      break;
    case 'a':
      if (state.queue.has(state.selectedId)) approve(state.selectedId);
      else say(t('mod_nothing_selected'), 'error');
      break;
    case 'r':
      openReject();
      break;
    case 'h':
      hideMarked();
      break;
    case 'p':
      togglePinMarked();
      break;
    case 'b':
      banSelected();
      break;
    default:
      handled = false;
  }
  if (handled) event.preventDefault();
});

// ---- wiring ----------------------------------------------------------------

byId('approve-selected').addEventListener('click', () => approve(state.selectedId));
byId('reject-selected').addEventListener('click', () => openReject());
byId('ban-selected').addEventListener('click', () => openBan(state.queue.get(state.selectedId)));
byId('reject-cancel').addEventListener('click', () => closeReject({ restoreFocus: true }));
byId('ban-cancel').addEventListener('click', () => closeBan({ restoreFocus: true }));
byId('ban-form').addEventListener('submit', (event) => {
  event.preventDefault();
  confirmBan();
});
byId('reject-detail').addEventListener('keydown', (event) => {
  // Enter in the note picks nothing: the reason is a separate choice.
  if (event.key === 'Enter') event.preventDefault();
});

languageSwitch(byId('language'));
applyTranslations();
onLanguageChange(() => {
  if (connection) showConnection(connection.state);
  renderReasons();
  renderAll();
  if (state.rejectFor) byId('reject-heading').textContent = t('mod_reject_heading', { author: authorOf(state.rejectFor) });
  if (state.banFor) byId('ban-heading').textContent = t('mod_ban_heading', { author: state.banFor.author });
});
setInterval(refreshWaits, waitRefreshMs);
