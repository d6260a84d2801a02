/*
 * rl_queue_redis.c - the queue on a Redis server (rl_queue.h), shared by
 * every machine that names it: queue.backend set to a redis:// or
 * unix:// URL (rl_redis.h).
 *
 * The keys of queue NAME, all under "rl:q:{NAME}:" (one hash tag, so
 * one cluster slot):
 *
 *   m        hash: id -> the message, "PRIO ATTEMPTS PUSHED NOTBEFORE\n"
 *            + its error history (a JSON array) + "\n" + its body
 *   r:PRIO   a stream per priority, entries {i: id}, consumer group "rl":
 *            an entry not yet delivered to the group is ready, one in
 *            the group's pending entries list is leased
 *   rp, ps   sorted sets of the priorities with ready entries, and with
 *            a stream at all (score = priority, so ZREVRANGE is highest
 *            first)
 *   d        sorted set: delayed ids by the time they are due
 *   done     sorted set: acked ids by the time of the ack (their message
 *            stays in m until queue.done_keep has passed)
 *   dead     the dead letters, a stream of {i: id, c: the last error's
 *            code}, so `redis-cli XREAD BLOCK 0 STREAMS KEY $` follows
 *            them as they come; dx maps an id to its entry, dc counts
 *            them by code
 *   once:N   the reply to request N, kept a while (see "lost replies")
 *
 * A message is in exactly one state at any moment: each change of state
 * is one Lua script, which Redis runs whole or not at all, whoever is
 * killed when.  A message's state is where its id is: undelivered in a
 * stream, pending in one, in d, in done, or in dead.
 *
 * Leases.  A pop is XREADGROUP; its lease is the entry's pending entry,
 * and the lease's name is "PRIO/ENTRY-ID" (an entry is delivered once:
 * a message that comes back is a new entry, so an old lease never holds
 * it again).  Leases have lengths of their own, but XAUTOCLAIM takes one
 * min-idle-time for all; so a pop (and a renew: a claim again) sets the
 * entry's delivery time with XCLAIM TIME to its expiry minus a horizon H
 * of ten years: its idle time reaches H exactly when its lease ends, and
 * XAUTOCLAIM with min-idle-time H takes every expired lease, whatever its
 * length.  Expired leases and due delayed messages are taken care of by
 * every pop, as the spool does.
 *
 * Time is the server's (TIME), so machines whose clocks differ agree on
 * every lease and delay; RL_CLOCK_SKEW_MS moves it for tests.
 *
 * Lost replies.  Every script can be sent again when its reply is lost
 * (RL_REDIS_RESEND): a push adds only ids it does not hold (HSETNX); the
 * others take a random request id and keep their reply under once:N for
 * redis.retry + 60 seconds, so a request sent again is answered, not run
 * again (a pop hands out the same leases, an ack says found again).
 *
 * Departures from the spool: a record in Redis is never half-written,
 * so none is ever corrupt; the clock is the server's, so a client's
 * clock going back changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "rl_dur.h"
#include "rl_json.h"
#include "rl_queue.h"
#include "rl_redis.h"

/* --- the scripts: LUA_COMMON, then one per operation ------------------- */

#define LUA_COMMON \
	"local K = KEYS[1]\n" \
	"-- H: the lease horizon, ten years in ms (see rl_queue_redis.c)\n" \
	"local H = 315360000000\n" \
	"local G = 'rl'\n" \
	"local function fmt(x) return string.format('%d', x) end\n" \
	"local function clock(skew)\n" \
	"  local t = redis.call('TIME')\n" \
	"  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + skew\n" \
	"end\n" \
	"local function stream(p) return K .. 'r:' .. p end\n" \
	"local function split(rec)\n" \
	"  local h, e, b = string.match(rec, '^([^\\n]*)\\n([^\\n]*)\\n(.*)$')\n" \
	"  if not h then return nil end\n" \
	"  local p, a, pu = string.match(h, '^(%-?%d+) (%d+) (%d+) %d+$')\n" \
	"  if not p then return nil end\n" \
	"  return {p = p, a = tonumber(a), pushed = pu, errs = e, body = b}\n" \
	"end\n" \
	"local function join(m, nb)\n" \
	"  return m.p .. ' ' .. fmt(m.a) .. ' ' .. m.pushed .. ' ' .. fmt(nb) .. '\\n' ..\n" \
	"    m.errs .. '\\n' .. m.body\n" \
	"end\n" \
	"local readied, touched = {}, {}\n" \
	"local function to_ready(p, id)\n" \
	"  local s = stream(p)\n" \
	"  if not readied[p] then\n" \
	"    if not redis.call('ZSCORE', K .. 'ps', p) then\n" \
	"      redis.pcall('XGROUP', 'CREATE', s, G, '0', 'MKSTREAM')\n" \
	"      redis.call('ZADD', K .. 'ps', p, p)\n" \
	"    end\n" \
	"    redis.call('ZADD', K .. 'rp', p, p)\n" \
	"    readied[p] = true\n" \
	"  end\n" \
	"  redis.call('XADD', s, '*', 'i', id)\n" \
	"end\n" \
	"local function tidy()\n" \
	"  for p in pairs(touched) do\n" \
	"    if redis.call('XLEN', stream(p)) == 0 then\n" \
	"      redis.call('DEL', stream(p))\n" \
	"      redis.call('ZREM', K .. 'ps', p)\n" \
	"      redis.call('ZREM', K .. 'rp', p)\n" \
	"      readied[p] = nil\n" \
	"    end\n" \
	"  end\n" \
	"  touched = {}\n" \
	"end\n" \
	"local function settle(p, sid)\n" \
	"  local s = stream(p)\n" \
	"  if redis.call('XACK', s, G, sid) == 0 then return nil end\n" \
	"  local e = redis.call('XRANGE', s, sid, sid)\n" \
	"  redis.call('XDEL', s, sid)\n" \
	"  touched[p] = true\n" \
	"  if not e[1] then return nil end\n" \
	"  return e[1][2][2]\n" \
	"end\n" \
	"local function last_code(errs)\n" \
	"  local ok, a = pcall(cjson.decode, errs)\n" \
	"  if ok and type(a) == 'table' and #a > 0 and type(a[#a]) == 'table' and\n" \
	"    type(a[#a].code) == 'string' then return a[#a].code end\n" \
	"  return 'none'\n" \
	"end\n" \
	"local function bury(id, m, code)\n" \
	"  redis.call('HSET', K .. 'm', id, join(m, 0))\n" \
	"  local sid = redis.call('XADD', K .. 'dead', '*', 'i', id, 'c', code)\n" \
	"  redis.call('HSET', K .. 'dx', id, sid)\n" \
	"  redis.call('HINCRBY', K .. 'dc', code, 1)\n" \
	"end\n" \
	"local function move_on(id, now, err, need_at, code, dead, max, delays)\n" \
	"  local rec = redis.call('HGET', K .. 'm', id)\n" \
	"  if not rec then return end\n" \
	"  local m = split(rec)\n" \
	"  if not m then\n" \
	"    m = {p = '0', a = 0, pushed = '0', errs = '[]', body = 'null'}\n" \
	"    dead = true\n" \
	"    if err == '' then\n" \
	"      err, need_at, code = '{\"code\":\"input.not_json\",\"message\":' ..\n" \
	"        '\"the message is not a message\"}', true, 'input.not_json'\n" \
	"    end\n" \
	"  end\n" \
	"  local delay = 0\n" \
	"  if err ~= '' then\n" \
	"    if need_at then\n" \
	"      err = string.sub(err, 1, -2) .. (err == '{}' and '' or ',') .. '\"at\":' .. fmt(now) .. '}'\n" \
	"    end\n" \
	"    m.a = m.a + 1\n" \
	"    m.errs = m.errs == '[]' and ('[' .. err .. ']') or (string.sub(m.errs, 1, -2) .. ',' .. err .. ']')\n" \
	"    if m.a >= max then dead = true\n" \
	"    elseif not dead and code ~= 'queue.lease_expired' then\n" \
	"      delay = delays[math.min(m.a, #delays)] or 0\n" \
	"    end\n" \
	"  else\n" \
	"    code = last_code(m.errs)\n" \
	"  end\n" \
	"  if dead then bury(id, m, code)\n" \
	"  elseif delay > 0 then\n" \
	"    redis.call('HSET', K .. 'm', id, join(m, now + delay))\n" \
	"    redis.call('ZADD', K .. 'd', now + delay, id)\n" \
	"  else\n" \
	"    redis.call('HSET', K .. 'm', id, join(m, 0))\n" \
	"    to_ready(m.p, id)\n" \
	"  end\n" \
	"end\n" \
	"local function once(nonce)\n" \
	"  return K .. 'once:' .. nonce\n" \
	"end\n" \
	"local function parse_delays(csv)\n" \
	"  local d = {}\n" \
	"  for v in string.gmatch(csv, '%d+') do d[#d + 1] = tonumber(v) end\n" \
	"  return d\n" \
	"end\n" \
	"local function parse_lease(t)\n" \
	"  return string.match(t, '^(%-?%d+)/(%d+%-%d+)$')\n" \
	"end\n" \
	"local function token(t)\n" \
	"  local p, sid = parse_lease(t)\n" \
	"  if p and redis.call('EXISTS', stream(p)) == 1 then return p, sid end\n" \
	"  return nil\n" \
	"end\n" \
	"local function last_delivered(s)\n" \
	"  for _, g in ipairs(redis.call('XINFO', 'GROUPS', s)) do\n" \
	"    local f = {}\n" \
	"    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end\n" \
	"    if f['name'] == G then return f['last-delivered-id'] end\n" \
	"  end\n" \
	"  return '0-0'\n" \
	"end\n" \
	"local function undelivered(s, count)\n" \
	"  if count then\n" \
	"    return redis.call('XRANGE', s, '(' .. last_delivered(s), '+', 'COUNT', count)\n" \
	"  end\n" \
	"  return redis.call('XRANGE', s, '(' .. last_delivered(s), '+')\n" \
	"end\n" \
	"local function pending(s)\n" \
	"  local n = redis.call('XPENDING', s, G)[1]\n" \
	"  if n == 0 then return {} end\n" \
	"  return redis.call('XPENDING', s, G, '-', '+', n)\n" \
	"end\n" \
	"local function entry_id(s, sid)\n" \
	"  local e = redis.call('XRANGE', s, sid, sid)\n" \
	"  return e[1] and e[1][2][2]\n" \
	"end\n" \
	"local function real_now()\n" \
	"  local t = redis.call('TIME')\n" \
	"  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n" \
	"end\n" \
	"local function each_call(cmd, key, ids)\n" \
	"  for i = 1, #ids, 1000 do\n" \
	"    local a = {cmd, key}\n" \
	"    for j = i, math.min(i + 999, #ids) do a[#a + 1] = ids[j] end\n" \
	"    redis.call(unpack(a))\n" \
	"  end\n" \
	"end\n" \
	"local function records(ids)\n" \
	"  local recs = {}\n" \
	"  for i = 1, #ids, 1000 do\n" \
	"    local a = {'HMGET', K .. 'm'}\n" \
	"    for j = i, math.min(i + 999, #ids) do a[#a + 1] = ids[j] end\n" \
	"    for _, r in ipairs(redis.call(unpack(a))) do recs[#recs + 1] = r end\n" \
	"  end\n" \
	"  return recs\n" \
	"end\n"

static struct rl_redis_script lua_push = {"queue push", LUA_COMMON
	"-- push: ARGV skew, priority, delay ms, then id and record pairs\n"
	"local now = clock(tonumber(ARGV[1]))\n"
	"local p, delay = ARGV[2], tonumber(ARGV[3])\n"
	"local nb = delay > 0 and now + delay or 0\n"
	"local n = 0\n"
	"for i = 4, #ARGV - 1, 2 do\n"
	"  local id = ARGV[i]\n"
	"  if redis.call('HSETNX', K .. 'm', id, p .. ' 0 ' .. fmt(now) .. ' ' ..\n"
	"      fmt(nb) .. '\\n[]\\n' .. ARGV[i + 1]) == 1 then\n"
	"    if nb > 0 then redis.call('ZADD', K .. 'd', nb, id) else to_ready(p, id) end\n"
	"    n = n + 1\n"
	"  end\n"
	"end\n"
	"return n\n", ""
};

static struct rl_redis_script lua_pop = {"queue pop", LUA_COMMON
	"-- pop: ARGV skew, nonce, ttl, max, lease ms, max attempts, consumer;\n"
	"-- a lease, its expiry, the id and the record for each message\n"
	"local skew, key, ttl = tonumber(ARGV[1]), once(ARGV[2]), ARGV[3]\n"
	"local max, lease = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"local attempts, consumer = tonumber(ARGV[6]), ARGV[7]\n"
	"local out = {}\n"
	"local prior = redis.call('GET', key)\n"
	"if prior then\n"
	"  local real = real_now()\n"
	"  for t in string.gmatch(prior, '%S+') do\n"
	"    local p, sid = token(t)\n"
	"    local pe = p and redis.call('XPENDING', stream(p), G, sid, sid, 1)\n"
	"    if pe and pe[1] then\n"
	"      local id = entry_id(stream(p), sid)\n"
	"      out[#out + 1] = t\n"
	"      out[#out + 1] = fmt(real - pe[1][3] + H)\n"
	"      out[#out + 1] = id or ''\n"
	"      out[#out + 1] = (id and redis.call('HGET', K .. 'm', id)) or ''\n"
	"    end\n"
	"  end\n"
	"  return out\n"
	"end\n"
	"local now = clock(skew)\n"
	"local due = redis.call('ZRANGEBYSCORE', K .. 'd', '-inf', now, 'LIMIT', 0, 1000)\n"
	"for _, id in ipairs(due) do\n"
	"  redis.call('ZREM', K .. 'd', id)\n"
	"  local rec = redis.call('HGET', K .. 'm', id)\n"
	"  local m = rec and split(rec)\n"
	"  if m then\n"
	"    redis.call('HSET', K .. 'm', id, join(m, 0))\n"
	"    to_ready(m.p, id)\n"
	"  end\n"
	"end\n"
	"for _, p in ipairs(redis.call('ZRANGE', K .. 'ps', 0, -1)) do\n"
	"  local s, cursor = stream(p), '0-0'\n"
	"  repeat\n"
	"    local r = redis.call('XAUTOCLAIM', s, G, consumer, math.max(H - skew, 0),\n"
	"      cursor, 'COUNT', 100)\n"
	"    cursor = r[1]\n"
	"    for _, e in ipairs(r[2]) do\n"
	"      redis.call('XACK', s, G, e[1])\n"
	"      redis.call('XDEL', s, e[1])\n"
	"      if e[2] then\n"
	"        move_on(e[2][2], now, '{\"code\":\"queue.lease_expired\",\"message\":' ..\n"
	"          '\"the lease expired before an ack\"}', true, 'queue.lease_expired',\n"
	"          false, attempts, {})\n"
	"      end\n"
	"    end\n"
	"    for _, sid in ipairs(r[3] or {}) do redis.call('XACK', s, G, sid) end\n"
	"  until cursor == '0-0'\n"
	"  touched[p] = true\n"
	"end\n"
	"tidy()\n"
	"lease = math.min(lease, H - math.max(skew, 0) - 1000)\n"
	"local exp, tokens = now + lease, {}\n"
	"for _, p in ipairs(redis.call('ZREVRANGE', K .. 'rp', 0, -1)) do\n"
	"  local need = max - #tokens\n"
	"  if need <= 0 then break end\n"
	"  local s = stream(p)\n"
	"  local r = redis.call('XREADGROUP', 'GROUP', G, consumer, 'COUNT', need,\n"
	"    'STREAMS', s, '>')\n"
	"  local got = r and r[1][2] or {}\n"
	"  if #got < need then redis.call('ZREM', K .. 'rp', p) end\n"
	"  for i = 1, #got, 500 do\n"
	"    local a = {'XCLAIM', s, G, consumer, 0}\n"
	"    for j = i, math.min(i + 499, #got) do a[#a + 1] = got[j][1] end\n"
	"    a[#a + 1] = 'TIME'\n"
	"    a[#a + 1] = exp - H\n"
	"    a[#a + 1] = 'JUSTID'\n"
	"    redis.call(unpack(a))\n"
	"  end\n"
	"  local ids = {}\n"
	"  for i, e in ipairs(got) do ids[i] = e[2][2] end\n"
	"  local recs = records(ids)\n"
	"  for i, e in ipairs(got) do\n"
	"    local t = p .. '/' .. e[1]\n"
	"    tokens[#tokens + 1] = t\n"
	"    out[#out + 1] = t\n"
	"    out[#out + 1] = fmt(exp)\n"
	"    out[#out + 1] = ids[i]\n"
	"    out[#out + 1] = recs[i] or ''\n"
	"  end\n"
	"end\n"
	"-- a pop that leased nothing, run again, loses nothing: no reply kept\n"
	"-- (an idle worker's polls write nothing, so cost no fsync)\n"
	"if #tokens > 0 then\n"
	"  redis.call('SET', key, table.concat(tokens, ' '), 'PX', ttl)\n"
	"end\n"
	"return out\n", ""
};

static struct rl_redis_script lua_ack = {"queue ack", LUA_COMMON
	"-- ack: ARGV skew, nonce, ttl, done_keep ms, then leases\n"
	"local key = once(ARGV[2])\n"
	"local prior = redis.call('GET', key)\n"
	"if prior then return prior end\n"
	"local now = clock(tonumber(ARGV[1]))\n"
	"local res, done = {}, {'ZADD', K .. 'done'}\n"
	"for i = 5, #ARGV do\n"
	"  local p, sid = parse_lease(ARGV[i])\n"
	"  local id = p and settle(p, sid)\n"
	"  if id then\n"
	"    done[#done + 1] = now\n"
	"    done[#done + 1] = id\n"
	"  end\n"
	"  res[#res + 1] = id and '1' or '0'\n"
	"end\n"
	"tidy()\n"
	"if #done > 2 then redis.call(unpack(done)) end\n"
	"local old = redis.call('ZRANGEBYSCORE', K .. 'done', '-inf',\n"
	"  now - tonumber(ARGV[4]), 'LIMIT', 0, 200)\n"
	"if #old > 0 then\n"
	"  each_call('HDEL', K .. 'm', old)\n"
	"  each_call('ZREM', K .. 'done', old)\n"
	"end\n"
	"local r = table.concat(res)\n"
	"redis.call('SET', key, r, 'PX', ARGV[3])\n"
	"return r\n", ""
};

static struct rl_redis_script lua_move = {"queue move", LUA_COMMON
	"-- move: KEYS this queue, the queue pushed to; ARGV skew, nonce, ttl,\n"
	"-- done_keep ms, lease, priority, id, record: the lease acked and the\n"
	"-- record pushed, or (the lease gone) neither\n"
	"local key = once(ARGV[2])\n"
	"local prior = redis.call('GET', key)\n"
	"if prior then return tonumber(prior) end\n"
	"local now = clock(tonumber(ARGV[1]))\n"
	"local p, sid = parse_lease(ARGV[5])\n"
	"local id = p and settle(p, sid)\n"
	"tidy()\n"
	"if id then\n"
	"  redis.call('ZADD', K .. 'done', now, id)\n"
	"  local old = redis.call('ZRANGEBYSCORE', K .. 'done', '-inf',\n"
	"    now - tonumber(ARGV[4]), 'LIMIT', 0, 200)\n"
	"  if #old > 0 then\n"
	"    each_call('HDEL', K .. 'm', old)\n"
	"    each_call('ZREM', K .. 'done', old)\n"
	"  end\n"
	"  -- the rest is the other queue's (the helpers read K)\n"
	"  K = KEYS[2]\n"
	"  readied, touched = {}, {}\n"
	"  if redis.call('HSETNX', K .. 'm', ARGV[7], ARGV[6] .. ' 0 ' .. fmt(now) ..\n"
	"      ' 0\\n[]\\n' .. ARGV[8]) == 1 then\n"
	"    to_ready(ARGV[6], ARGV[7])\n"
	"  end\n"
	"end\n"
	"redis.call('SET', key, id and '1' or '0', 'PX', ARGV[3])\n"
	"return id and 1 or 0\n", ""
};

static struct rl_redis_script lua_nack = {"queue nack", LUA_COMMON
	"-- nack: ARGV skew, nonce, ttl, lease, error JSON ('' none), 1 if it\n"
	"-- needs \"at\", its code, 1 if dead, max attempts, backoff delays\n"
	"local key = once(ARGV[2])\n"
	"local prior = redis.call('GET', key)\n"
	"if prior then return tonumber(prior) end\n"
	"local now = clock(tonumber(ARGV[1]))\n"
	"local p, sid = parse_lease(ARGV[4])\n"
	"local id = p and settle(p, sid)\n"
	"if id then\n"
	"  move_on(id, now, ARGV[5], ARGV[6] == '1', ARGV[7], ARGV[8] == '1',\n"
	"    tonumber(ARGV[9]), parse_delays(ARGV[10]))\n"
	"end\n"
	"tidy()\n"
	"redis.call('SET', key, id and '0' or '1', 'PX', ARGV[3])\n"
	"return id and 0 or 1\n", ""
};

static struct rl_redis_script lua_renew = {"queue renew", LUA_COMMON
	"-- renew: ARGV skew, lease, lease ms, consumer\n"
	"local p, sid = token(ARGV[2])\n"
	"if not p then return 1 end\n"
	"local skew = tonumber(ARGV[1])\n"
	"local lease = math.min(tonumber(ARGV[3]), H - math.max(skew, 0) - 1000)\n"
	"local r = redis.call('XCLAIM', stream(p), G, ARGV[4], 0, sid, 'TIME',\n"
	"  clock(skew) + lease - H, 'JUSTID')\n"
	"return #r == 1 and 0 or 1\n", ""
};

static struct rl_redis_script lua_requeue = {"queue requeue", LUA_COMMON
	"-- requeue: ARGV skew, nonce, ttl, id ('' every dead one)\n"
	"local key = once(ARGV[2])\n"
	"local prior = redis.call('GET', key)\n"
	"if prior then return tonumber(prior) end\n"
	"local es\n"
	"if ARGV[4] ~= '' then\n"
	"  local sid = redis.call('HGET', K .. 'dx', ARGV[4])\n"
	"  es = sid and redis.call('XRANGE', K .. 'dead', sid, sid) or {}\n"
	"else\n"
	"  es = redis.call('XRANGE', K .. 'dead', '-', '+')\n"
	"end\n"
	"local n = 0\n"
	"for _, e in ipairs(es) do\n"
	"  local id, code = e[2][2], e[2][4]\n"
	"  redis.call('XDEL', K .. 'dead', e[1])\n"
	"  redis.call('HDEL', K .. 'dx', id)\n"
	"  if redis.call('HINCRBY', K .. 'dc', code, -1) <= 0 then\n"
	"    redis.call('HDEL', K .. 'dc', code)\n"
	"  end\n"
	"  local rec = redis.call('HGET', K .. 'm', id)\n"
	"  local m = rec and split(rec)\n"
	"  if m then\n"
	"    m.a = 0\n"
	"    redis.call('HSET', K .. 'm', id, join(m, 0))\n"
	"    to_ready(m.p, id)\n"
	"    n = n + 1\n"
	"  end\n"
	"end\n"
	"redis.call('SET', key, n, 'PX', ARGV[3])\n"
	"return n\n", ""
};

static struct rl_redis_script lua_each = {"queue purge or bury", LUA_COMMON
	"-- purge and bury: ARGV skew, nonce, ttl, state, then for bury the\n"
	"-- error JSON, 1 if it needs \"at\", its code; none for purge\n"
	"local key = once(ARGV[2])\n"
	"local prior = redis.call('GET', key)\n"
	"if prior then return tonumber(prior) end\n"
	"local now, state, bury = clock(tonumber(ARGV[1])), ARGV[4], ARGV[5] ~= nil\n"
	"local n, gone = 0, {}\n"
	"local function out(id)\n"
	"  n = n + 1\n"
	"  if bury then\n"
	"    move_on(id, now, ARGV[5], ARGV[6] == '1', ARGV[7], true, 1, {})\n"
	"  else\n"
	"    gone[#gone + 1] = id\n"
	"  end\n"
	"end\n"
	"if state == 'ready' or state == 'leased' then\n"
	"  for _, p in ipairs(redis.call('ZREVRANGE', K .. 'ps', 0, -1)) do\n"
	"    local s = stream(p)\n"
	"    if state == 'ready' then\n"
	"      for _, e in ipairs(undelivered(s)) do\n"
	"        redis.call('XDEL', s, e[1])\n"
	"        out(e[2][2])\n"
	"      end\n"
	"      redis.call('ZREM', K .. 'rp', p)\n"
	"    else\n"
	"      for _, pe in ipairs(pending(s)) do\n"
	"        local id = settle(p, pe[1])\n"
	"        if id then out(id) end\n"
	"      end\n"
	"    end\n"
	"    touched[p] = true\n"
	"  end\n"
	"  tidy()\n"
	"elseif state == 'delayed' or state == 'done' then\n"
	"  local z = K .. (state == 'delayed' and 'd' or 'done')\n"
	"  local ids = redis.call('ZRANGE', z, 0, -1)\n"
	"  redis.call('DEL', z)\n"
	"  for _, id in ipairs(ids) do out(id) end\n"
	"elseif state == 'dead' then\n"
	"  for _, e in ipairs(redis.call('XRANGE', K .. 'dead', '-', '+')) do\n"
	"    out(e[2][2])\n"
	"  end\n"
	"  redis.call('DEL', K .. 'dead', K .. 'dx', K .. 'dc')\n"
	"end\n"
	"each_call('HDEL', K .. 'm', gone)\n"
	"redis.call('SET', key, n, 'PX', ARGV[3])\n"
	"return n\n", ""
};

static struct rl_redis_script lua_list = {"queue list", LUA_COMMON
	"-- list: ARGV skew, state; as pop's, a lease (or ''), its expiry, the id and\n"
	"-- the record for each message\n"
	"local state, out = ARGV[2], {}\n"
	"local function add(id, t, exp)\n"
	"  out[#out + 1] = t\n"
	"  out[#out + 1] = exp\n"
	"  out[#out + 1] = id\n"
	"  out[#out + 1] = redis.call('HGET', K .. 'm', id) or ''\n"
	"end\n"
	"if state == 'ready' or state == 'leased' then\n"
	"  local real = real_now()\n"
	"  for _, p in ipairs(redis.call('ZREVRANGE', K .. 'ps', 0, -1)) do\n"
	"    local s = stream(p)\n"
	"    if state == 'ready' then\n"
	"      for _, e in ipairs(undelivered(s)) do add(e[2][2], '', '0') end\n"
	"    else\n"
	"      for _, pe in ipairs(pending(s)) do\n"
	"        local id = entry_id(s, pe[1])\n"
	"        if id then add(id, p .. '/' .. pe[1], fmt(real - pe[3] + H)) end\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"elseif state == 'delayed' or state == 'done' then\n"
	"  for _, id in ipairs(redis.call('ZRANGE', K .. (state == 'delayed' and 'd' or 'done'), 0, -1)) do\n"
	"    add(id, '', '0')\n"
	"  end\n"
	"else\n"
	"  for _, e in ipairs(redis.call('XRANGE', K .. 'dead', '-', '+')) do\n"
	"    add(e[2][2], '', '0')\n"
	"  end\n"
	"end\n"
	"return out\n", ""
};

static struct rl_redis_script lua_stats = {"queue stats", LUA_COMMON
	"-- stats: counts by state, the oldest ready message's push time, ready\n"
	"-- messages by priority, dead letters by code\n"
	"local ready, leased, oldest, prios = 0, 0, 0, {}\n"
	"for _, p in ipairs(redis.call('ZREVRANGE', K .. 'ps', 0, -1)) do\n"
	"  local s = stream(p)\n"
	"  local pend = redis.call('XPENDING', s, G)[1]\n"
	"  local r = redis.call('XLEN', s) - pend\n"
	"  leased = leased + pend\n"
	"  if r > 0 then\n"
	"    ready = ready + r\n"
	"    prios[#prios + 1] = p\n"
	"    prios[#prios + 1] = r\n"
	"    local first = undelivered(s, 1)[1]\n"
	"    local rec = first and redis.call('HGET', K .. 'm', first[2][2])\n"
	"    local m = rec and split(rec)\n"
	"    if m and (oldest == 0 or tonumber(m.pushed) < oldest) then\n"
	"      oldest = tonumber(m.pushed)\n"
	"    end\n"
	"  end\n"
	"end\n"
	"return {{ready, redis.call('ZCARD', K .. 'd'), leased,\n"
	"  redis.call('ZCARD', K .. 'done'), redis.call('XLEN', K .. 'dead')},\n"
	"  fmt(oldest), prios, redis.call('HGETALL', K .. 'dc')}\n", ""
};

/* --- the backend -------------------------------------------------------- */

struct rq {
	struct rl_redis *r;
	char key[96];            /* "rl:q:{NAME}:" */
	char consumer[64];       /* this machine's name, for XPENDING */
	long long once_ms;       /* how long a reply is kept for a resend */
};

static unsigned long long
random64(void)
{
	unsigned long long v;

	if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
		v = (unsigned long long)rl_now_ms() ^
		    ((unsigned long long)getpid() << 32);
	return v;
}

/* The arguments every script starts with: the key prefix, the skew. */
static void
args(struct rq *rq, struct rl_redis_args *a)
{
	rl_redis_args_reset(a);
	rl_redis_arg(a, rq->key);
	rl_redis_argf(a, "%lld", rl_clock_skew_ms());
}

/* ... and those of a request kept for a resend: its id, how long. */
static void
request(struct rq *rq, struct rl_redis_args *a)
{
	args(rq, a);
	rl_redis_argf(a, "%016llx", random64());
	rl_redis_argf(a, "%lld", rq->once_ms);
}

static redisReply *
call(struct rl_queue *q, struct rl_redis_script *s, struct rl_redis_args *a)
{
	struct rq *rq = q->impl;
	redisReply *rep = rl_redis_eval(rq->r, s, 1, a, RL_REDIS_RESEND, &q->err);

	rl_redis_args_free(a);
	return rep;
}

static int
bad_reply(struct rl_queue *q, redisReply *rep, const char *what)
{
	struct rq *rq = q->impl;

	freeReplyObject(rep);
	return rl_error_set(&q->err, "redis.reply", "%s: %s: %s: a reply of "
	    "the wrong shape", rl_redis_name(rq->r), q->name, what);
}

/* An integer reply into *v; -1 when it is not one. */
static int
integer(struct rl_queue *q, redisReply *rep, const char *what, long long *v)
{
	if (!rep)
		return -1;
	if (rep->type != REDIS_REPLY_INTEGER)
		return bad_reply(q, rep, what);
	*v = rep->integer;
	freeReplyObject(rep);
	return 0;
}

/* n digits at *p, 1 to 20 of them, a value that fits in 64 bits;
 * *p moves past them. */
static int
digits(const char **p)
{
	size_t n = strspn(*p, "0123456789");
	unsigned long long v;
	char *end;

	if (n == 0 || n > 20)
		return 0;
	errno = 0;
	v = strtoull(*p, &end, 10);
	(void)v;
	*p += n;
	return errno == 0 && end == *p;
}

/* A lease as pop makes them: "PRIO/MS-SEQ", PRIO a priority.  Anything
 * else holds no message (and would make XACK fail). */
static int
valid_lease(const char *l)
{
	char *end;
	long p = strtol(l, &end, 10);

	if (end == l || *end != '/' || p < -1000 || p > 1000 ||
	    strspn(l, "-0123456789") != (size_t)(end - l))
		return 0;
	l = end + 1;
	if (!digits(&l) || *l++ != '-' || !digits(&l))
		return 0;
	return *l == 0;
}

/* Fill m from the record "PRIO ATTEMPTS PUSHED NOTBEFORE\nERRORS\nBODY"
 * of id; -1 when it is not one. */
static int
parse(const char *id, const char *rec, size_t len, struct rl_qmsg *m)
{
	struct rl_json_err je;
	const char *e, *b;
	long long pushed, nb;
	int prio, attempts;

	memset(m, 0, sizeof *m);
	if (strlen(id) >= sizeof m->id ||
	    sscanf(rec, "%d %d %lld %lld", &prio, &attempts, &pushed, &nb) != 4 ||
	    !(e = memchr(rec, '\n', len)) ||
	    !(b = memchr(e + 1, '\n', len - (size_t)(e + 1 - rec))))
		return -1;
	e++;
	b++;
	/* as strict as the spool's reading of a message file */
	if (rl_json_parse(e, (size_t)(b - 1 - e), RL_JSON_DEPTH_MAX, &m->errors,
	    &je) < 0 || !cJSON_IsArray(m->errors) ||
	    rl_json_parse(b, len - (size_t)(b - rec), RL_JSON_DEPTH_MAX, &m->body,
	    &je) < 0) {
		rl_qmsg_free(m);
		return -1;
	}
	snprintf(m->id, sizeof m->id, "%s", id);
	m->priority = prio;
	m->attempts = attempts;
	m->pushed = pushed;
	m->not_before = nb;
	return 0;
}

static int
rq_open(struct rl_queue *q, const char *where)
{
	struct rq *rq = rl_xcalloc(1, sizeof *rq);
	char host[256] = "";
	size_t i;

	if (!(rq->r = rl_redis_open(q->cfg, where, &q->err))) {
		free(rq);
		return -1;
	}
	snprintf(rq->key, sizeof rq->key, "rl:q:{%s}:", q->name);
	/* the consumer is the machine: XPENDING shows who holds a lease */
	if (gethostname(host, sizeof host - 1) < 0 || !*host)
		snprintf(host, sizeof host, "%s", "localhost");
	for (i = 0; host[i] && i < sizeof rq->consumer - 1; i++)
		rq->consumer[i] = strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", host[i]) ?
		    host[i] : '_';
	rq->once_ms = (long long)(rl_config_num(q->cfg, "redis.retry", 30) *
	    1000) + 60000;
	q->impl = rq;
	return 0;
}

static void
rq_close(struct rl_queue *q)
{
	struct rq *rq = q->impl;

	rl_redis_close(rq->r);
	free(rq);
}

static int
rq_push(struct rl_queue *q, struct rl_qmsg *m, size_t n)
{
	struct rl_redis_args a = {0};
	struct rl_buf body = {0};
	long long added = 0;
	size_t i;

	args(q->impl, &a);
	rl_redis_argf(&a, "%d", m[0].priority);
	rl_redis_argf(&a, "%lld", m[0].not_before ? m[0].not_before -
	    m[0].pushed : 0);
	for (i = 0; i < n; i++) {
		rl_buf_reset(&body);
		rl_json_print(m[i].body, &body);
		rl_redis_arg(&a, m[i].id);
		rl_redis_argn(&a, body.data, body.len);
	}
	rl_buf_free(&body);
	return integer(q, call(q, &lua_push, &a), "push", &added);
}

/* 1 if the n replies at e are all strings (a message's, as pop and
 * list give them: lease, expiry, id, record). */
static int
strings(redisReply **e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i]->type != REDIS_REPLY_STRING)
			return 0;
	return 1;
}

/* A message whose record cannot be read goes to the dead letters. */
static void
corrupt(struct rl_queue *q, const char *lease)
{
	cJSON *err = rl_err_object("input.not_json", "the message is not a "
	    "message", NULL);

	rl_queue_nack(q, lease, err, 1);
	cJSON_Delete(err);
}

static int
rq_pop(struct rl_queue *q, size_t max, long long lease_ms, struct rl_qmsg *out,
	size_t *n)
{
	struct rq *rq = q->impl;
	struct rl_redis_args a = {0};
	redisReply *rep, **e;
	size_t i;

	request(rq, &a);
	rl_redis_argf(&a, "%zu", max);
	rl_redis_argf(&a, "%lld", lease_ms);
	rl_redis_argf(&a, "%d", q->max_attempts);
	rl_redis_arg(&a, rq->consumer);
	if (!(rep = call(q, &lua_pop, &a)))
		return -1;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements % 4)
		return bad_reply(q, rep, "pop");
	for (i = 0; i < rep->elements; i += 4) {
		e = rep->element + i;
		if (!strings(e, 4))
			continue;
		if (parse(e[2]->str, e[3]->str, e[3]->len, &out[*n]) < 0) {
			corrupt(q, e[0]->str);
			continue;
		}
		snprintf(out[*n].lease, sizeof out[*n].lease, "%s", e[0]->str);
		out[*n].lease_expires = strtoll(e[1]->str, NULL, 10);
		(*n)++;
	}
	freeReplyObject(rep);
	return 0;
}

static int
rq_ack(struct rl_queue *q, const char **leases, size_t n, int *found)
{
	struct rl_redis_args a = {0};
	redisReply *rep;
	size_t i, k = 0, sent = 0;

	request(q->impl, &a);
	rl_redis_argf(&a, "%lld", q->done_keep);
	for (i = 0; i < n; i++)
		if ((found[i] = valid_lease(leases[i]))) {
			rl_redis_arg(&a, leases[i]);
			sent++;
		}
	if (!sent) {
		rl_redis_args_free(&a);
		return 0;
	}
	if (!(rep = call(q, &lua_ack, &a)))
		return -1;
	if (rep->type != REDIS_REPLY_STRING || rep->len != sent)
		return bad_reply(q, rep, "ack");
	for (i = 0; i < n; i++)
		if (found[i])
			found[i] = rep->str[k++] == '1';
	freeReplyObject(rep);
	return 0;
}

static int
rq_move(struct rl_queue *q, const char *lease, struct rl_queue *to,
	struct rl_qmsg *m, int *found)
{
	struct rq *rq = q->impl, *rt = to->impl;
	struct rl_redis_args a = {0};
	struct rl_buf body = {0};
	redisReply *rep;
	long long rc = 0;

	*found = 0;
	if (!valid_lease(lease))
		return 0;
	rl_redis_args_reset(&a);
	rl_redis_arg(&a, rq->key);
	rl_redis_arg(&a, rt->key);
	rl_redis_argf(&a, "%lld", rl_clock_skew_ms());
	rl_redis_argf(&a, "%016llx", random64());
	rl_redis_argf(&a, "%lld", rq->once_ms);
	rl_redis_argf(&a, "%lld", q->done_keep);
	rl_redis_arg(&a, lease);
	rl_redis_argf(&a, "%d", m->priority);
	rl_redis_arg(&a, m->id);
	rl_json_print(m->body, &body);
	rl_redis_argn(&a, body.data, body.len);
	rl_buf_free(&body);
	/* one server: the queues of one URL share a connection's server */
	rep = rl_redis_eval(rq->r, &lua_move, 2, &a, RL_REDIS_RESEND, &q->err);
	rl_redis_args_free(&a);
	if (integer(q, rep, "move", &rc) < 0)
		return -1;
	*found = rc == 1;
	return 0;
}

/* The backoff before each attempt, in ms, "d1,d2,...": as many as
 * max_attempts, or up to the first that reaches the cap. */
static void
delays(struct rl_queue *q, struct rl_redis_args *a)
{
	struct rl_buf d = {0};
	long long full = q->backoff_base;
	int k;

	for (k = 0; k < q->max_attempts && k < 64; k++) {
		rl_buf_printf(&d, "%s%lld", k ? "," : "", rl_queue_backoff(q, k));
		if (full >= q->backoff_cap)
			break;
		full *= 2;
	}
	rl_redis_argn(a, d.data ? d.data : "", d.len);
	rl_buf_free(&d);
}

/* An error object as the scripts take it: its JSON, 1 if it needs an
 * "at", its code. */
static void
error_args(const cJSON *error, struct rl_redis_args *a)
{
	struct rl_buf j = {0};
	const char *code = error ? rl_json_str(error, "code") : NULL;

	if (error)
		rl_json_print(error, &j);
	rl_redis_argn(a, j.data ? j.data : "", j.len);
	rl_redis_arg(a, error && !cJSON_GetObjectItemCaseSensitive(error, "at") ?
	    "1" : "0");
	rl_redis_arg(a, code && *code ? code : "none");
	rl_buf_free(&j);
}

static int
rq_nack(struct rl_queue *q, const char *lease, const cJSON *error, int dead)
{
	struct rl_redis_args a = {0};
	long long rc = 0;

	if (!valid_lease(lease))
		return 1;
	request(q->impl, &a);
	rl_redis_arg(&a, lease);
	error_args(error, &a);
	rl_redis_arg(&a, dead ? "1" : "0");
	rl_redis_argf(&a, "%d", q->max_attempts);
	delays(q, &a);
	if (integer(q, call(q, &lua_nack, &a), "nack", &rc) < 0)
		return -1;
	return (int)rc;
}

static int
rq_renew(struct rl_queue *q, const char *lease, long long lease_ms)
{
	struct rq *rq = q->impl;
	struct rl_redis_args a = {0};
	long long rc = 0;

	if (!valid_lease(lease))
		return 1;
	args(rq, &a);
	rl_redis_arg(&a, lease);
	rl_redis_argf(&a, "%lld", lease_ms);
	rl_redis_arg(&a, rq->consumer);
	if (integer(q, call(q, &lua_renew, &a), "renew", &rc) < 0)
		return -1;
	return (int)rc;
}

/* Call fn for each message of one state; 1 when fn stopped the walk. */
static int
list_state(struct rl_queue *q, const char *state,
	int (*fn)(const struct rl_qmsg *m, void *arg), void *arg)
{
	struct rl_redis_args a = {0};
	redisReply *rep, **e;
	struct rl_qmsg m;
	size_t i;
	int stop = 0;

	args(q->impl, &a);
	rl_redis_arg(&a, state);
	if (!(rep = call(q, &lua_list, &a)))
		return -1;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements % 4)
		return bad_reply(q, rep, "ls");
	for (i = 0; i < rep->elements && !stop; i += 4) {
		e = rep->element + i;
		if (!strings(e, 4))
			continue;
		if (parse(e[2]->str, e[3]->str, e[3]->len, &m) < 0) {
			/* a message that is not one is still in this state */
			memset(&m, 0, sizeof m);
			snprintf(m.id, sizeof m.id, "%.39s", e[2]->str);
			m.errors = cJSON_CreateArray();
			cJSON_AddItemToArray(m.errors, rl_err_object("input.not_json",
			    "the message is not a message", NULL));
			m.body = cJSON_CreateNull();
		}
		snprintf(m.state, sizeof m.state, "%s", state);
		snprintf(m.lease, sizeof m.lease, "%s", e[0]->str);
		m.lease_expires = strtoll(e[1]->str, NULL, 10);
		stop = fn(&m, arg) != 0;
		rl_qmsg_free(&m);
	}
	freeReplyObject(rep);
	return stop;
}

static int
rq_list(struct rl_queue *q, const char *state,
	int (*fn)(const struct rl_qmsg *m, void *arg), void *arg)
{
	static const char *order[] = {"ready", "delayed", "leased", "done", "dead"};
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof order / sizeof order[0] && rc == 0; i++)
		if (!state || !strcmp(state, order[i]))
			rc = list_state(q, order[i], fn, arg);
	return rc < 0 ? -1 : 0;
}

/* Add the name/count pairs of the array rep to object o. */
static void
counts(const redisReply *rep, cJSON *o)
{
	size_t i;

	for (i = 0; i + 1 < rep->elements; i += 2)
		if (rep->element[i]->type == REDIS_REPLY_STRING)
			cJSON_AddNumberToObject(o, rep->element[i]->str,
			    rep->element[i + 1]->type == REDIS_REPLY_INTEGER ?
			    (double)rep->element[i + 1]->integer :
			    strtod(rep->element[i + 1]->str, NULL));
}

static int
rq_stats(struct rl_queue *q, struct rl_queue_stats *s)
{
	struct rl_redis_args a = {0};
	redisReply *rep, **e;
	size_t i;

	args(q->impl, &a);
	if (!(rep = call(q, &lua_stats, &a)))
		return -1;
	e = rep->element;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 4 ||
	    e[0]->type != REDIS_REPLY_ARRAY || e[0]->elements != 5 ||
	    e[1]->type != REDIS_REPLY_STRING || e[2]->type != REDIS_REPLY_ARRAY ||
	    e[3]->type != REDIS_REPLY_ARRAY)
		return bad_reply(q, rep, "stats");
	for (i = 0; i < 5; i++)
		s->count[i] = (unsigned long)e[0]->element[i]->integer;
	s->oldest_ready = strtoll(e[1]->str, NULL, 10);
	counts(e[2], s->by_priority);
	counts(e[3], s->dead_by_code);
	freeReplyObject(rep);
	return 0;
}

static int
rq_requeue(struct rl_queue *q, const char *id, unsigned long *n)
{
	struct rl_redis_args a = {0};
	long long v = 0;

	request(q->impl, &a);
	rl_redis_arg(&a, id ? id : "");
	if (integer(q, call(q, &lua_requeue, &a), "requeue", &v) < 0)
		return -1;
	*n = (unsigned long)v;
	return id && !v ? 1 : 0;
}

/* purge (error NULL) or bury every message of state */
static int
each(struct rl_queue *q, const char *state, const cJSON *error, int bury,
	unsigned long *n)
{
	struct rl_redis_args a = {0};
	long long v = 0;

	request(q->impl, &a);
	rl_redis_arg(&a, state);
	if (bury)
		error_args(error, &a);
	if (integer(q, call(q, &lua_each, &a), bury ? "bury" : "purge", &v) < 0)
		return -1;
	*n = (unsigned long)v;
	return 0;
}

static int
rq_purge(struct rl_queue *q, const char *state, unsigned long *n)
{
	return each(q, state, NULL, 0, n);
}

static int
rq_bury(struct rl_queue *q, const char *state, const cJSON *error,
	unsigned long *n)
{
	return each(q, state, error, 1, n);
}

static int
rq_check(struct rl_queue *q, cJSON *report, struct rl_buf *risks)
{
	struct rq *rq = q->impl;

	return rl_redis_check(rq->r, report, risks, &q->err);
}

static const char *const schemes[] = {"redis://", "rediss://", "unix://", NULL};

const struct rl_queue_backend rl_queue_redis = {
	"redis", schemes, rq_open, rq_push, rq_pop, rq_ack, rq_nack, rq_renew,
	rq_list, rq_stats, rq_requeue, rq_purge, rq_bury, rq_check, rq_close,
	1, rq_move,
};
