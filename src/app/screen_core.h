/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen_core: the chat screen's state, shared by its files (screen_*.c
 * and the commands, cmd_*.c). Not a public interface: app/screen.h is.
 *
 *   screen.c          start-up, the loop, the end
 *   screen_reply.c    a reply on its way: start, events, notices, end, queue
 *   screen_compare.c  compare mode: columns in, columns out
 *   screen_history.c  the history file: writing replies, loading threads
 *   screen_keys.c     keys (ui/keys tokens) to actions
 *   screen_draw.c     one frame: the thread, columns or /stats, status bar
 *   screen_stats.c    the /stats view's text
 *   commands.c        the slash-command table and how a line is read */
#ifndef CIRCUIT_APP_SCREEN_CORE_H
#define CIRCUIT_APP_SCREEN_CORE_H

#include <stdbool.h>

#include "app/screen.h"
#include "app/session.h"
#include "model/conversation.h"
#include "model/history.h"
#include "model/metrics.h"
#include "model/status.h"
#include "ui/columns.h"
#include "ui/keys.h"
#include "ui/theme.h"
#include "ui/tui.h"
#include "util/buf.h"

#define COMPARE_MAX COLUMNS_MAX
#define QUEUE_MAX 8 /* prompts typed while a reply streams, sent after it */

/* What a command or a key asks of the next frame (htop's reaction flags). */
enum reaction {
	REACT_NONE = 0,
	REACT_LAYOUT = 1 << 0, /* lay the screen out again, draw it whole */
	REACT_FOLLOW = 1 << 1, /* the view goes back to following the tail */
	REACT_QUIT = 1 << 2,
};

struct screen;

/* One request on its way: the thread it answers and how it is measured. */
struct reply {
	struct screen *sc;
	struct routed *rr;
	struct conversation *conv;
	struct message *msg;   /* its message in conv; NULL once /clear took it */
	struct message *notes; /* its attempts' notices, one block above it; NULL none */
	struct buf notes_text;
	char *spec;            /* the model as the user named it */
	int col;               /* its compare column, -1: the single thread */
	char provider[24];     /* where it began, for the metrics' active counts */
	char model[METRICS_NAME];
	size_t prompt_bytes;
	long long hist_id;          /* its history row, 0: none */
	long long checkpointed;     /* when it was last written there */
	unsigned long hist_version; /* the message's version then */
	bool done; /* freed by the loop, not from inside its callback */
	struct buf refusal;     /* a refusal's pieces so far (issue 19) */
	struct message *refusal_note; /* its one notice under the reply; NULL none */
};

/* One model of a compare: its own thread, so each sees its own replies. */
struct column {
	char *model; /* as the user named it */
	struct conversation conv;
	size_t base;          /* messages copied from the thread at /compare */
	size_t context_start; /* /new */
	struct reply *live;
	struct reply_metrics last; /* its latest reply's figures */
	bool has_last;
	long long reply_id;   /* its latest reply's history row, 0 none (a vote names it) */
	char answered[96];    /* who gave it: "provider:model" */
};

/* Per provider, what the status bar shows. */
struct pstat {
	struct provider *p;
	enum provider_health health;
	long long ttft;
	double tps;
	bool tps_estimated;
};

enum view { VIEW_THREAD, VIEW_STATS, VIEW_COLUMNS };

struct screen {
	const struct screen_opts *o;
	struct session s;
	struct tui tui;
	struct transcript *tr;
	struct theme theme;
	struct keys keys;
	/* the thread */
	struct conversation conv;
	size_t context_start; /* /new: earlier messages are not sent */
	char *model;          /* as the user named it */
	char *system;         /* NULL: none */
	char *last_prompt;
	struct attachments pending; /* /file, -f: for the next message, which takes them */
	struct reply *single; /* the thread's live reply */
	char *queue[QUEUE_MAX]; /* prompts waiting for the live reply to end */
	size_t nqueue;
	/* compare mode: ncol > 0 */
	struct column col[COMPARE_MAX];
	int ncol;
	struct columns *cv;
	/* the history: NULL when off (--no-history, history = off, unusable) */
	struct history *hist;
	long long hist_conv;  /* the thread's conversation, 0 until its first prompt */
	long long hist_group; /* the compare's group, 0 none */
	/* judging a compare (issue 20): blind (enum blind_mode) while the names
	 * are hidden, off once a vote reveals them; voted: the last prompt's
	 * replies have their vote; vote_key: Alt-v, the next key votes */
	int blind;
	bool voted, vote_key;
	int sessions_shown;   /* /sessions: how many the last list showed */
	/* figures */
	struct metrics metrics;
	struct pstat stats[PROVIDERS_MAX];
	int nstats;
	/* timers (0: none) */
	unsigned long tick;         /* stalls and checkpoints while a reply lives */
	unsigned long breaker_tick; /* an open breaker's countdown */
	unsigned long status_tick;  /* the status bar a frame skipped */
	unsigned long keys_tick;    /* a held Esc waiting for what follows */
	char *edit; /* /edit's text, for the editor once its line is done; NULL: none */
	/* drawing */
	char notice[96]; /* the status bar's short note, until the next line */
	bool stats_view;
	char *stats_history; /* /stats history's report (the view shows it), NULL: the live one */
	enum view drawn_view;
	bool relayout;  /* lay out and draw whole next frame */
	bool text_turn; /* text arrived since the last frame */
	long long status_at;
	long long last_ctrl_c;
	bool quit;
	bool gone; /* the terminal hung up or we were told to end (SIGHUP, SIGTERM) */
};

/* ---- screen.c ---------------------------------------------------------- */

/* The thread the user is looking at: the single one, or in a compare the
 * focused column's. Command output and notices go there. */
struct conversation *screen_view_conv(struct screen *sc);
/* A message of circuit's own in the thread in view, or in c; its marks
 * (── · →) in ASCII when the locale is not UTF-8. */
void screen_say(struct screen *sc, enum msg_kind kind, const char *text);
void screen_say_in(struct conversation *c, enum msg_kind kind, const char *text);
/* printf-style screen_say. */
void screen_sayf(struct screen *sc, enum msg_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The short note on the status bar until the next line. */
void screen_note(struct screen *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replies shown rendered (md) or raw, in the transcript and every compare
 * column alike (/render, Alt-r); says so on the status bar. The messages
 * are not changed. */
void screen_set_render(struct screen *sc, bool md);
/* Applies a command's or key's reaction flags. */
void screen_react(struct screen *sc, int reaction);
/* Loads theme name (the mono theme under --no-color); a theme that fails
 * to load is said on the screen and the current one kept. */
int screen_load_theme(struct screen *sc, const char *name, bool report);

/* ---- screen_reply.c ------------------------------------------------------ */

bool screen_streaming(const struct screen *sc);
/* A line the user sent: to the model(s), or queued while a reply streams. */
void screen_send(struct screen *sc, const char *prompt);
/* Starts a reply to the thread on model (then the fallback chain).
 * add_user: prompt becomes a user message first; without it the thread
 * ends with an interrupted reply and this is a /continue. */
void screen_ask(struct screen *sc, const char *model, const char *prompt, bool add_user);
/* A compare: prompt to every column's model at once. */
void screen_ask_all(struct screen *sc, const char *prompt);
/* Ctrl-C: the focused stream, or the streaming ones; twice within 2 s:
 * every stream, and the queue. */
void screen_ctrl_c(struct screen *sc, long long now);
/* Ctrl-Z or SIGTSTP: the terminal back to the shell until fg, as any
 * full-screen program does; streams go on meanwhile (at most, stopped). */
void screen_suspend(struct screen *sc);
void screen_cancel_all(struct screen *sc);
/* Frees the replies that ended; sends a queued prompt when nothing lives. */
void screen_reap(struct screen *sc);
/* /clear takes a live reply's thread away: its final row is written now. */
void screen_release(struct screen *sc, struct reply *rp);
/* A reply's figures now. */
void screen_reply_figures(const struct reply *rp, struct reply_metrics *f);
/* The drop of the queue (Ctrl-C on an empty line, /clear). */
void screen_queue_clear(struct screen *sc);

/* ---- files.c -------------------------------------------------------------- */

/* -f's files wait for the first message, each said on the screen. */
void screen_files_start(struct screen *sc);

/* ---- screen_compare.c ---------------------------------------------------- */

/* "/compare M1 M2 M3" (commas too): a column per model. */
int screen_compare_start(struct screen *sc, const char *args);
/* Leaves compare mode; adopt >= 0: that column's thread goes on. */
int screen_compare_off(struct screen *sc, int adopt);
void screen_compare_end(struct screen *sc);

/* ---- screen_blind.c: a blind compare, votes ------------------------------ */

/* True while a compare's names are hidden (blind, before its vote). */
bool screen_blind(const struct screen *sc);
/* The label of column col's replies (col -1: the thread): its letter into
 * buf (4 bytes) while blind, else label. */
const char *screen_blind_label(const struct screen *sc, int col, const char *label, char *buf);
/* text from reply rp (a notice, an error), appended to out: while blind,
 * its provider and model replaced by its column's letter. */
void screen_blind_say(const struct screen *sc, const struct reply *rp, const char *text,
                      struct buf *out);
/* The figures line under a reply (and the token limit's note): while
 * blind no cost, strict no times or rate either. */
void screen_figures_line(const struct screen *sc, const struct reply_metrics *f, char *line,
                         size_t size);
/* A vote on the last prompt's replies (a column, VOTE_TIE or VOTE_NONE):
 * stored in the history, then the names shown. Refused (said) unless
 * every column has ended, or when the prompt has its vote. */
int screen_vote(struct screen *sc, int winner);
/* Alt-v then this key: a letter, a digit, t (tie) or n (none) votes;
 * another key only ends the wait. */
void screen_vote_key(struct screen *sc, unsigned char k);

/* ---- screen_history.c ---------------------------------------------------- */

/* Opens the history file (after the first frame), and with --resume the
 * conversation to go on with. */
void screen_history_open(struct screen *sc);
/* A write failed: say so once, go on without the history. */
void screen_history_failed(struct screen *sc);
/* Adds m (a prompt, or a reply just begun) for the thread (col -1) or a
 * column; returns its row, 0 when history is off. */
long long screen_history_add(struct screen *sc, int col, struct message *m);
/* A message already stored changed (/retry dropped it): write it again. */
void screen_history_rewrite(struct screen *sc, const struct message *m);
/* A reply's row: final at its end, else a checkpoint. */
void screen_history_write(struct screen *sc, struct reply *rp, bool final, long long now);
/* Writes a live reply's row if it changed and its last write is old. */
void screen_history_checkpoint(struct screen *sc, struct reply *rp, long long now);
/* Opens conversation id as the thread; unless keep_model, the model that
 * answered last in it becomes the model. 0 or -1 (said on the screen). */
int screen_history_load(struct screen *sc, long long id, bool keep_model);
/* False (and said on the screen) when the history is off. */
bool screen_history_ready(struct screen *sc);
/* The numbered sources m cites, as a notice right after m in c (a reply
 * that ends, a reply loaded from the history); nothing when it cites none.
 * Returns the notice or NULL. */
struct message *screen_sources_note(struct conversation *c, struct message *m);

/* ---- screen_keys.c, screen_draw.c, screen_stats.c ------------------------ */

/* Bytes read from the terminal. */
void screen_keys(struct screen *sc, const unsigned char *s, size_t n);
void screen_draw(struct screen *sc, long long now);
void screen_stats_text(struct screen *sc, long long now, struct buf *b);
/* The status bar's entry for provider p (made on first use). */
struct pstat *screen_pstat(struct screen *sc, struct provider *p);

/* ---- cmd_edit.c ---------------------------------------------------------- */

/* Runs the editor ($VISUAL, $EDITOR, vi) on text (NULL: the input line's),
 * the screen suspended meanwhile and drawn whole after; the edited text
 * becomes the input line, unsent. An editor that fails or cannot start is
 * said on the screen, the line left as it was. */
void screen_edit(struct screen *sc, const char *text);

/* ---- commands.c ----------------------------------------------------------- */

/* A line the user entered: a command, or a message to send. */
void screen_line(struct screen *sc, char *line);
/* Readline's completion: the commands and their arguments' kinds. */
void commands_register(void);
/* /help's text. */
void commands_help(struct buf *b);

#endif
