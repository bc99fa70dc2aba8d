# ptdump.gdb - x86-64 page tables of a guest under QEMU, from plain GDB.
#
# Python-free GDB commands that print what ptdump(1) prints, byte for
# byte, written only in GDB's own command language (no Python, no Guile,
# no shell), so they run in any GDB 13, gdb-minimal included:
#
#   pt-regs                   CR0, CR2, CR3, CR4, EFER, the paging mode
#   pt-walk VA [CR3]          the translation of VA, level by level
#   pt-dump [START END [CR3]] the mapped ranges, coalesced (END exclusive)
#   pt-decode VALUE LEVEL     one entry (LEVEL 1 = PTE .. 5 = PML5E)
#   pt-fault [ERROR_CODE]     CR2 and a #PF error code in words, the walk
#   pt-ptov PA                every virtual address that maps PA
#
# CR3 walks another address space than the current one (ptdump's --cr3).
#
# Load it, then connect to QEMU's gdbstub:
#
#   gdb -x gdb-scripts/ptdump.gdb -ex 'target remote :1234'
#   (gdb) source gdb-scripts/ptdump.gdb      (or from a running GDB)
#
# GDB can read neither IA32_PAT nor the CPU's physical width, so, as
# ptdump's `set pat` and `set maxphyaddr`, set these when the defaults
# (power-on PAT 0x0007040600070406, 52 bits) are wrong for the guest:
#
#   set $pt_pat = 0x0407050600070106
#   set $pt_maxphyaddr = 40
#
# Page tables live in physical memory, which GDB does not address: the
# commands switch QEMU's gdbstub to physical addresses (the packet
# Qqemu.PhyMemMode:1) around each table read only, and back to 0 at once.
#
# Everything this file creates is a command named pt-* (pt--* are
# internal) or a convenience variable named $pt_* / $pt__*.
#
# Speed: GDB parses a command line each time it runs it, and looking up
# each $variable in it costs microseconds; a `while` condition, though,
# is parsed once and then only evaluated.  So a table is read whole (one
# 4 KiB read) into GDB, and the loops over its entries do their work in
# their conditions, with empty bodies: `($pt__i = $pt__i + 1)` there is
# an assignment that also reads as true.

# Sourcing the file again redefines the commands without asking.
set $pt__confirm = $_gdb_setting("confirm")
set confirm off

# ---- state that outlives one command ------------------------------------

# 1 from just before Qqemu.PhyMemMode:1 is sent until :0 has been
# answered.  A command interrupted in between (Ctrl-C, a read error)
# leaves it 1, and the next pt- command puts the mode back first.
init-if-undefined $pt__phys = 0
# 1 while the packet's echo is being sent to /dev/null (see pt--phys).
init-if-undefined $pt__logging = 0

# ---- words, as convenience variables ------------------------------------
# GDB's printf takes %s only from convenience variables (a string
# literal would have to be copied into the inferior), so every word the
# commands print is kept here.

set $pt__s_none = ""
set $pt__s_user = "user"
set $pt__s_super = "super"
set $pt__s_supervisor = "supervisor"
set $pt__s_UC = "UC"
set $pt__s_WC = "WC"
set $pt__s_WT = "WT"
set $pt__s_WP = "WP"
set $pt__s_WB = "WB"
set $pt__s_UCM = "UC-"
set $pt__s_rsvd = "rsvd"
set $pt__s_PTE = "PTE"
set $pt__s_PDE = "PDE"
set $pt__s_PDPTE = "PDPTE"
set $pt__s_PML4E = "PML4E"
set $pt__s_PML5E = "PML5E"
set $pt__s_none_mode = "none"
set $pt__s_32 = "32-bit"
set $pt__s_PAE = "pae"
set $pt__s_4level = "4-level"
set $pt__s_5level = "5-level"
set $pt__s_notpresent = "not present"
set $pt__s_reserved = "reserved bits set"
set $pt__s_wp0 = " (ring 0 may write it: CR0.WP=0)"
set $pt__s_protviol = "protection violation"
set $pt__s_write = "write"
set $pt__s_read = "read"
# Flag names in printing order, each after its separating blank.
set $pt__s_fP = "P"
set $pt__s_fRW = " RW"
set $pt__s_fUS = " US"
set $pt__s_fPWT = " PWT"
set $pt__s_fPCD = " PCD"
set $pt__s_fA = " A"
set $pt__s_fD = " D"
set $pt__s_fPS = " PS"
set $pt__s_fG = " G"
set $pt__s_fPAT = " PAT"
set $pt__s_fNX = " NX"

# ---- printing helpers ---------------------------------------------------

# $pt__name = the name of level $arg0 ("PTE" .. "PML5E").
define pt--level-name
  set $pt__name = $arg0 == 1 ? $pt__s_PTE : $arg0 == 2 ? $pt__s_PDE : \
    $arg0 == 3 ? $pt__s_PDPTE : $arg0 == 4 ? $pt__s_PML4E : $pt__s_PML5E
end

# $pt__name = the name of memory type $arg0 ("rsvd" if PAT holds none).
define pt--memtype-name
  set $pt__name = $arg0 == 6 ? $pt__s_WB : $arg0 == 0 ? $pt__s_UC : \
    $arg0 == 1 ? $pt__s_WC : $arg0 == 4 ? $pt__s_WT : \
    $arg0 == 5 ? $pt__s_WP : $arg0 == 7 ? $pt__s_UCM : $pt__s_rsvd
end

# $pt__name = the name of paging mode $pt__mode (see pt--regs-read).
define pt--mode-name
  set $pt__name = $pt__mode == 0 ? $pt__s_none_mode : \
    $pt__mode == 1 ? $pt__s_32 : $pt__mode == 2 ? $pt__s_PAE : \
    $pt__mode == 4 ? $pt__s_4level : $pt__s_5level
end

# $pt__szv and the unit letter $pt__szc: $arg0 bytes as ptdump's fmt_size
# prints them ("4K", "2M"), for sizes of whole pages.  0 stands for the
# 2^64 bytes of the whole address space, "16E".  $pt__szin remembers the
# size they are for: dumps print the same sizes again and again.
define pt--size
  set $pt__szin = (unsigned long long) ($arg0), \
    $pt__szu = $pt__szin == 0 ? 6 : \
      ($pt__szin & 0x0fffffffffffffffULL) == 0 ? 6 : \
      ($pt__szin & 0x0003ffffffffffffULL) == 0 ? 5 : \
      ($pt__szin & 0x000000ffffffffffULL) == 0 ? 4 : \
      ($pt__szin & 0x3fffffff) == 0 ? 3 : ($pt__szin & 0xfffff) == 0 ? 2 : 1, \
    $pt__szv = $pt__szin == 0 ? 16 : $pt__szin >> (10 * $pt__szu), \
    $pt__szc = " KMGTPE"[$pt__szu]
end
init-if-undefined $pt__szin = 1ULL

# The decoded flags $pt__fl, by name, separated by blanks.
define pt--print-flags
  printf "%s%s%s%s%s%s%s%s%s%s%s", \
    $pt__fl & 0x001 ? $pt__s_fP : $pt__s_none, \
    $pt__fl & 0x002 ? $pt__s_fRW : $pt__s_none, \
    $pt__fl & 0x004 ? $pt__s_fUS : $pt__s_none, \
    $pt__fl & 0x008 ? $pt__s_fPWT : $pt__s_none, \
    $pt__fl & 0x010 ? $pt__s_fPCD : $pt__s_none, \
    $pt__fl & 0x020 ? $pt__s_fA : $pt__s_none, \
    $pt__fl & 0x040 ? $pt__s_fD : $pt__s_none, \
    $pt__fl & 0x080 ? $pt__s_fPS : $pt__s_none, \
    $pt__fl & 0x100 ? $pt__s_fG : $pt__s_none, \
    $pt__fl & 0x200 ? $pt__s_fPAT : $pt__s_none, \
    $pt__fl & 0x400 ? $pt__s_fNX : $pt__s_none
end

# The entry just decoded, as ptdump prints it after "= " (no newline).
define pt--print-entry
  printf "0x%016lx  ", $pt__raw
  if $pt__pres
    pt--print-flags
    if $pt__pkey != 0
      printf " PK=%u", $pt__pkey
    end
  else
    printf "%s", $pt__s_notpresent
  end
  if $pt__rsvd != 0
    printf " RSVD=0x%lx", $pt__rsvd
  end
end

# ---- physical memory ----------------------------------------------------
# QEMU's gdbstub reads and writes physical memory after the packet
# Qqemu.PhyMemMode:1, virtual after :0.  `maint packet` echoes the packet
# and its answer, so the echo goes to /dev/null through GDB's logging;
# the user's own logging settings are kept and put back.

# Remember the user's logging settings, to restore them after each packet.
define pt--log-save
  set $pt__ulog = $_gdb_setting("logging enabled")
  set $pt__ulogfile = $_gdb_setting_str("logging file")
  set $pt__uredirect = $_gdb_setting("logging redirect")
end

# Put the user's logging back as pt--log-save found it.
define pt--log-restore
  eval "set logging file %s", $pt__ulogfile
  if $pt__uredirect
    set logging redirect on
  else
    set logging redirect off
  end
  if $pt__ulog
    # Reopen the user's log for appending.  GDB reads `overwrite` only
    # when logging starts, and warns when it changes while logging is
    # on, so it stays off: the log grows as if it had never paused.
    set logging overwrite off
    set logging enabled on
  end
end

# Switch QEMU to physical ($arg0 = 1) or virtual ($arg0 = 0) addresses.
define pt--phys
  if $arg0
    set $pt__phys = 1
  end
  if $pt__ulog
    set logging enabled off
  end
  set logging file /dev/null
  set logging redirect on
  set $pt__logging = 1
  set logging enabled on
  maint packet Qqemu.PhyMemMode:$arg0
  set logging enabled off
  set $pt__logging = 0
  pt--log-restore
  set $pt__phys = $arg0
  # The same address now names other bytes: drop what GDB cached (its
  # stack and code caches go through the dcache).
  maint flush dcache
end

# $pt__t = the 512 entries of the table at physical $arg0, in one 4 KiB
# read.  The braces make an array that lives in GDB: an array read from
# the target and assigned as it is would be kept as a pointer, and read
# again, in whatever mode, each time it is indexed.
define pt--read-table
  pt--phys 1
  set $pt__t = {*(unsigned long long (*)[512]) ($arg0)}
  pt--phys 0
end

# $pt__raw = the entry at physical $arg0, in one 8-byte read.
define pt--read-entry
  pt--phys 1
  set $pt__raw = *(unsigned long long *) ($arg0)
  pt--phys 0
end

# ---- every command begins and ends here ---------------------------------

# Take back what an interrupted command may have left behind: output
# going to /dev/null, and QEMU in physical mode.  GDB cannot read a
# packet's answer into a variable, so the mode found before the first
# switch is not known; the commands always leave 0, the mode GDB itself
# reads memory in.
define pt--begin
  if $pt__logging
    set logging enabled off
    set $pt__logging = 0
    pt--log-restore
  else
    pt--log-save
  end
  if $pt__phys
    pt--phys 0
  end
  set $pt__ok = 1
end

define pt--end
  if $pt__phys
    pt--phys 0
  end
end

# ---- registers and the paging context -----------------------------------

# $pt__cr0 .. $pt__efer, $pt__mode (0 none, 1 32-bit, 2 PAE, 4 4-level,
# 5 5-level) and $pt__cpu; $pt__ok = 0 with a message if GDB has no
# control registers (not connected, or not to QEMU).
define pt--regs-read
  if $_isvoid($cr0) || $_isvoid($cr3) || $_isvoid($cr4) || $_isvoid($efer)
    printf "pt: no $cr0, $cr3, $cr4 or $efer: connect to QEMU's gdbstub first (target remote)\n"
    set $pt__ok = 0
  else
    set $pt__cr0 = (unsigned long long) $cr0
    set $pt__cr2 = (unsigned long long) $cr2
    set $pt__cr3 = (unsigned long long) $cr3
    set $pt__cr4 = (unsigned long long) $cr4
    set $pt__efer = (unsigned long long) $efer
    # QEMU numbers its threads from 1, one per vCPU.
    set $pt__cpu = $_thread - 1
    if !($pt__cr0 & (1ULL << 31))
      set $pt__mode = 0
    else
      if !($pt__cr4 & (1 << 5))
        set $pt__mode = 1
      else
        if !($pt__efer & (1 << 10))
          set $pt__mode = 2
        else
          set $pt__mode = $pt__cr4 & (1 << 12) ? 5 : 4
        end
      end
    end
  end
end

# The decoder's context from $pt__cr0/$pt__cr4/$pt__efer and the user's
# $pt_pat and $pt_maxphyaddr: $pt__wp, $pt__nxe, $pt__pk, $pt__pat and the
# masks of physical address bits.
define pt--ctx
  set $pt__wp = ($pt__cr0 >> 16) & 1
  set $pt__nxe = ($pt__efer >> 11) & 1
  # CR4.PKE or CR4.PKS: bits 59..62 of a leaf are a protection key.
  set $pt__pk = ($pt__cr4 & ((1 << 22) | (1 << 24))) != 0
  set $pt__maxphy = 52
  if !$_isvoid($pt_maxphyaddr)
    if $pt_maxphyaddr >= 32 && $pt_maxphyaddr <= 52
      set $pt__maxphy = $pt_maxphyaddr
    else
      printf "pt: $pt_maxphyaddr must be 32..52: using 52\n"
    end
  end
  # IA32_PAT at power-on: WB, WT, UC-, UC, repeated.
  set $pt__pat = 0x0007040600070406ULL
  if !$_isvoid($pt_pat)
    set $pt__j = 0
    while $pt__j < 8
      set $pt__k = ((unsigned long long) $pt_pat >> (8 * $pt__j)) & 0xff
      if $pt__k > 7 || $pt__k == 2 || $pt__k == 3
        loop_break
      end
      set $pt__j = $pt__j + 1
    end
    if $pt__j == 8
      set $pt__pat = (unsigned long long) $pt_pat
    else
      printf "pt: $pt_pat holds a reserved memory type: using 0x0007040600070406\n"
    end
  end
  # Address bits 12..MAXPHYADDR-1; bits MAXPHYADDR..51 are reserved.
  set $pt__physmask = (1ULL << $pt__maxphy) - 0x1000
  set $pt__rsvdmask = (1ULL << 52) - (1ULL << $pt__maxphy)
  set $pt__la57 = $pt__mode == 5
  set $pt__top = $pt__la57 ? 5 : 4
  set $pt__root = $pt__cr3 & $pt__physmask
  # Canonical addresses: the low half ends at $pt__lowmax, the high half
  # starts at its complement.
  set $pt__lowmax = (1ULL << ($pt__la57 ? 56 : 47)) - 1
end

# Registers and context for a walk; $pt__ok = 0 with ptdump's message
# when the paging mode is one the walker does not walk.
define pt--walk-ctx
  pt--regs-read
  if $pt__ok
    pt--ctx
    if $pt__mode == 0
      printf "%s: paging is off (CR0.PG clear): virtual addresses are physical\n", $pt__cmd
      set $pt__ok = 0
    else
      if $pt__mode < 4
        pt--mode-name
        printf "%s: %s paging is walked by ptdump(1), not by these commands (long mode only)\n", $pt__cmd, $pt__name
        set $pt__ok = 0
      end
    end
  end
end

# ---- the decoder --------------------------------------------------------
# One entry, as ptdump's x86pt_decode: $pt__raw at level $pt__lv.
#
#   63  62..59  58..52  51..M  M-1..12   11..9  8  7      6  5  4   3   2  1  0
#   NX  PK      AVL     rsvd   address   AVL    G  PS/PAT D  A  PCD PWT US RW P
#
# Bit 7 is PS in a PDPTE/PDE but PAT in a PTE; a large page has PAT at
# bit 12 and reserved bits below its alignment.  $pt__fl holds the
# decoded flags: P RW US PWT PCD A D PS G PAT NX as bits 0..10.
define pt--decode
  set $pt__pres = ($pt__raw & 1) != 0
  set $pt__leaf = $pt__pres && \
    ($pt__lv == 1 || ($pt__lv <= 3 && ($pt__raw & 0x80) != 0))
  set $pt__psz = $pt__leaf ? 1ULL << (9 * $pt__lv + 3) : 0
  # D and G in a leaf; PS in a PDE/PDPTE; PAT from bit 7 or bit 12; NX
  # only with EFER.NXE.
  set $pt__fl = !$pt__pres ? 0 : ($pt__raw & 0x3f) | \
    ($pt__leaf ? $pt__raw & 0x140 : 0) | \
    ($pt__lv == 2 || $pt__lv == 3 ? $pt__raw & 0x80 : 0) | \
    ($pt__lv == 1 ? ($pt__raw & 0x80) << 2 : \
      $pt__leaf ? ($pt__raw & 0x1000) >> 3 : 0) | \
    ($pt__nxe ? ($pt__raw >> 53) & 0x400 : 0)
  # Ignored bits: 9..11 and 52..58; 59..62 unless they are a key; D and G
  # in an entry that points to a table.
  set $pt__avl = !$pt__pres ? 0 : ($pt__raw & 0x07f0000000000e00ULL) | \
    ($pt__leaf && $pt__pk ? 0 : $pt__raw & 0x7800000000000000ULL) | \
    ($pt__leaf ? 0 : $pt__raw & 0x140)
  set $pt__pkey = $pt__leaf && $pt__pk ? ($pt__raw >> 59) & 0xf : 0
  # Reserved: address bits from MAXPHYADDR, NX without EFER.NXE, PS in a
  # PML4E/PML5E, a large page's bits 13 up to its alignment.
  set $pt__rsvd = !$pt__pres ? 0 : ($pt__raw & $pt__rsvdmask) | \
    ($pt__nxe ? 0 : $pt__raw & (1ULL << 63)) | \
    ($pt__lv >= 4 ? $pt__raw & 0x80 : 0) | \
    ($pt__leaf && $pt__lv > 1 ? $pt__raw & ($pt__psz - 0x2000) : 0)
  set $pt__addr = !$pt__pres ? 0 : \
    $pt__raw & $pt__physmask & ($pt__leaf ? ~($pt__psz - 1) : ~0ULL)
  # PAT index PAT<<2 | PCD<<1 | PWT selects a byte of IA32_PAT.
  set $pt__pati = (($pt__fl >> 7) & 4) | (($pt__fl >> 3) & 3)
  set $pt__mt = !$pt__pres ? 0 : ($pt__pat >> (8 * $pt__pati)) & 0xff
  # Types sharing a name compare equal (every reserved type is "rsvd").
  set $pt__mtid = $pt__mt <= 1 || ($pt__mt >= 4 && $pt__mt <= 7) ? $pt__mt : 2
end

# ---- pt-regs ------------------------------------------------------------

define pt-regs
  pt--begin
  if $argc != 0
    printf "usage: pt-regs\n"
  else
    pt--regs-read
    if $pt__ok
      if $pt__cpu >= 0
        printf "cpu  %d\n", $pt__cpu
      end
      printf "cr0  0x%016lx  PG=%u CD=%u NW=%u WP=%u PE=%u\n", $pt__cr0, \
        ($pt__cr0 >> 31) & 1, ($pt__cr0 >> 30) & 1, ($pt__cr0 >> 29) & 1, \
        ($pt__cr0 >> 16) & 1, $pt__cr0 & 1
      printf "cr2  0x%016lx\n", $pt__cr2
      # table= masks with 52 bits, whatever $pt_maxphyaddr says.
      printf "cr3  0x%016lx  table=0x%lx", $pt__cr3, \
        $pt__cr3 & 0x000ffffffffff000ULL
      if $pt__cr4 & (1 << 17)
        printf " PCID=%u\n", $pt__cr3 & 0xfff
      else
        printf " PWT=%u PCD=%u\n", ($pt__cr3 >> 3) & 1, ($pt__cr3 >> 4) & 1
      end
      printf "cr4  0x%016lx  PAE=%u PSE=%u PGE=%u PCIDE=%u SMEP=%u SMAP=%u PKE=%u PKS=%u LA57=%u\n", \
        $pt__cr4, ($pt__cr4 >> 5) & 1, ($pt__cr4 >> 4) & 1, \
        ($pt__cr4 >> 7) & 1, ($pt__cr4 >> 17) & 1, ($pt__cr4 >> 20) & 1, \
        ($pt__cr4 >> 21) & 1, ($pt__cr4 >> 22) & 1, ($pt__cr4 >> 24) & 1, \
        ($pt__cr4 >> 12) & 1
      printf "efer 0x%016lx  LME=%u LMA=%u NXE=%u\n", $pt__efer, \
        ($pt__efer >> 8) & 1, ($pt__efer >> 10) & 1, ($pt__efer >> 11) & 1
      pt--mode-name
      printf "mode %s\n", $pt__name
    end
  end
  pt--end
end
document pt-regs
Print the registers that decide paging, as ptdump's `regs`.
Usage: pt-regs

The vCPU (GDB's thread minus one), CR0, CR2, CR3 (with the top table and
PCID or PWT/PCD), CR4 and EFER with their paging bits named, and the
paging mode.
end

# ---- pt-decode ----------------------------------------------------------

define pt-decode
  pt--begin
  if $argc != 2
    printf "usage: pt-decode VALUE LEVEL   (LEVEL 1 = PTE, 2 = PDE, 3 = PDPTE, 4 = PML4E, 5 = PML5E)\n"
  else
    set $pt__raw = (unsigned long long) ($arg0)
    set $pt__lv = (long) ($arg1)
    if $pt__lv < 1 || $pt__lv > 5
      printf "usage: pt-decode VALUE LEVEL   (LEVEL 1 = PTE, 2 = PDE, 3 = PDPTE, 4 = PML4E, 5 = PML5E)\n"
    else
      # Offline, as ptdump's decode: long mode with EFER.NXE and CR0.WP,
      # no protection keys; a PML5E decodes like a PML4E.
      set $pt__cr0 = (1ULL << 31) | (1 << 16)
      set $pt__cr4 = 1 << 5
      set $pt__efer = (1 << 8) | (1 << 10) | (1 << 11)
      set $pt__cr3 = 0
      set $pt__mode = 4
      pt--ctx
      pt--decode
      pt--level-name $pt__lv
      printf "%s ", $pt__name
      pt--print-entry
      printf "\n"
      if $pt__pres
        if $pt__leaf
          pt--size $pt__psz
          pt--memtype-name $pt__mt
          printf "  maps a %lu%c page at 0x%lx, memory type %s (PAT index %u)\n", \
            $pt__szv, $pt__szc, $pt__addr, $pt__name, $pt__pati
        else
          printf "  points to a table at 0x%lx\n", $pt__addr
        end
        if $pt__avl != 0
          printf "  software bits 0x%lx\n", $pt__avl
        end
        if $pt__rsvd != 0
          printf "  reserved bits 0x%lx are set: an access through this entry faults with RSVD\n", $pt__rsvd
        end
      end
    end
  end
  pt--end
end
document pt-decode
Decode one page-table entry, as ptdump's `decode VALUE --level LEVEL`.
Usage: pt-decode VALUE LEVEL

LEVEL is 1 (PTE), 2 (PDE), 3 (PDPTE), 4 (PML4E) or 5 (PML5E).  Needs no
target: the entry is decoded for long mode with EFER.NXE and CR0.WP set,
with $pt_pat and $pt_maxphyaddr if set.
end

# ---- pt-walk ------------------------------------------------------------

# Translate $pt__va as the CPU would and print each step, as ptdump's
# walk.  Needs pt--walk-ctx.  Reads one entry per level.
define pt--walk-va
  pt--mode-name
  printf "walk 0x%016lx (cr3 table 0x%lx, %s)\n", $pt__va, $pt__root, $pt__name
  if ($pt__va > $pt__lowmax && $pt__va < ~$pt__lowmax)
    printf "  => no translation: non-canonical address (an access raises #GP, not #PF)\n"
  else
    # Effective rights: RW and US ANDed, NX ORed, over the levels.
    set $pt__w = 1, $pt__u = 1, $pt__x = 1
    set $pt__wtab = {1ULL, 1ULL, 1ULL, 1ULL, 1ULL, 1ULL}
    set $pt__lv = $pt__top
    set $pt__table = $pt__root
    # 0 translated, 1 not present, 2 reserved bits
    set $pt__stop = -1
    while $pt__stop < 0
      set $pt__wtab[$pt__lv] = $pt__table
      set $pt__i = ($pt__va >> (9 * $pt__lv + 3)) & 511
      set $pt__epa = $pt__table + 8 * $pt__i
      pt--read-entry $pt__epa
      pt--decode
      pt--level-name $pt__lv
      printf "  %-5s %3u at 0x%012lx = ", $pt__name, $pt__i, $pt__epa
      pt--print-entry
      if !$pt__pres
        set $pt__stop = 1
      else
        set $pt__w = $pt__w && ($pt__fl & 2), $pt__u = $pt__u && ($pt__fl & 4)
        set $pt__x = $pt__x && !($pt__fl & 0x400)
        if $pt__leaf
          printf "  -> page 0x%lx", $pt__addr
        else
          printf "  -> table 0x%lx", $pt__addr
          # A table already on the path: a recursive slot (said only when
          # the walk goes on through it).
          if $pt__rsvd == 0
            set $pt__j = $pt__lv
            while $pt__j <= $pt__top
              if $pt__wtab[$pt__j] == $pt__addr
                printf " (recursive)"
                loop_break
              end
              set $pt__j = $pt__j + 1
            end
          end
        end
        if $pt__rsvd != 0
          set $pt__stop = 2
        else
          if $pt__leaf
            set $pt__stop = 0
          else
            set $pt__table = $pt__addr
            set $pt__lv = $pt__lv - 1
          end
        end
      end
      printf "\n"
    end
    if $pt__stop == 0
      pt--size $pt__psz
      pt--memtype-name $pt__mt
      # Without CR0.WP ring 0 writes read-only pages.
      printf "  => 0x%016lx  %lu%c page, r%c%c %s, %s%s\n", \
        $pt__addr | ($pt__va & ($pt__psz - 1)), $pt__szv, $pt__szc, \
        $pt__w ? 'w' : '-', $pt__x ? 'x' : '-', \
        $pt__u ? $pt__s_user : $pt__s_super, $pt__name, \
        !$pt__w && !$pt__wp ? $pt__s_wp0 : $pt__s_none
    else
      pt--level-name $pt__lv
      printf "  => no translation: %s at %s\n", \
        $pt__stop == 1 ? $pt__s_notpresent : $pt__s_reserved, $pt__name
    end
  end
end

define pt-walk
  pt--begin
  if $argc != 1 && $argc != 2
    printf "usage: pt-walk VA [CR3]\n"
  else
    set $pt__va = (unsigned long long) ($arg0)
    set $pt__cmd = "pt-walk"
    pt--walk-ctx
    if $pt__ok
      if $argc == 2
        # Another address space, as ptdump's --cr3.
        set $pt__root = (unsigned long long) ($arg1) & $pt__physmask
      end
      pt--walk-va
    end
  end
  pt--end
end
document pt-walk
Translate a virtual address level by level, as ptdump's `walk VA`.
Usage: pt-walk VA [CR3]

One line per level: the entry's index, its physical address, its value
and flags, and the table or page it points to; then the physical address
with the effective rights and memory type, or where and why the walk
stops.  4-level and 5-level paging (CR4.LA57).  With CR3, the tables
of that address space instead of the current one (ptdump's --cr3).
end

# ---- pt-fault -----------------------------------------------------------

# The #PF error code $pt__ec in words, as ptdump's x86fault_errcode_words.
define pt--print-errcode
  printf "%s, %s, %s", \
    $pt__ec & 1 ? $pt__s_protviol : $pt__s_notpresent, \
    $pt__ec & 2 ? $pt__s_write : $pt__s_read, \
    $pt__ec & 4 ? $pt__s_user : $pt__s_supervisor
  if $pt__ec & 0x8
    printf ", reserved bit"
  end
  if $pt__ec & 0x10
    printf ", instruction fetch"
  end
  if $pt__ec & 0x20
    printf ", protection key"
  end
  if $pt__ec & 0x40
    printf ", shadow stack"
  end
  if $pt__ec & 0x80
    printf ", HLAT"
  end
  if $pt__ec & 0x8000
    printf ", SGX"
  end
  # Any other bit by number.
  set $pt__j = 8
  while $pt__j < 64
    if ($pt__ec >> $pt__j) & 1 && $pt__j != 15
      printf ", bit %u", $pt__j
    end
    set $pt__j = $pt__j + 1
  end
end

define pt-fault
  pt--begin
  if $argc > 1
    printf "usage: pt-fault [ERROR_CODE]\n"
  else
    set $pt__cmd = "pt-fault"
    pt--walk-ctx
    if $pt__ok
      printf "  cr2    0x%016lx\n", $pt__cr2
      if $argc == 1
        set $pt__ec = (unsigned long long) ($arg0)
        printf "  error  0x%016lx  ", $pt__ec
        pt--print-errcode
        printf "\n"
      else
        # At a #PF handler's first instruction the CPU has pushed the
        # error code, then the faulting RIP above it.  The stack is read
        # through virtual addresses: say so to QEMU, whatever another
        # GDB may have left it in.
        pt--phys 0
        set $pt__ec = *(unsigned long long *) $rsp
        set $pt__rip = *(unsigned long long *) ($rsp + 8)
        printf "  error  0x%016lx  ", $pt__ec
        pt--print-errcode
        printf "\n  rip    0x%016lx\n", $pt__rip
      end
      set $pt__va = $pt__cr2
      pt--walk-va
    end
  end
  pt--end
end
document pt-fault
Explain a page fault: CR2, the error code in words, then `pt-walk $cr2`.
Usage: pt-fault [ERROR_CODE]

Without ERROR_CODE the guest must be stopped at the first instruction of
its #PF handler: the error code is read from [$rsp] and the faulting RIP
from [$rsp+8].  The lines are those of ptdump's `fault`.
end

# ---- the table walker behind pt-dump and pt-ptov ------------------------
# ptdump's walk_range: every present leaf overlapping [$pt__start,
# $pt__last] in ascending address order, walked as the CPU would (a
# recursive slot is followed, once per path).  GDB commands have no local
# variables, so the recursion keeps one row per level in arrays indexed
# by level (1 = PTE table .. 5 = PML5):
#
#   $pt__tab[L]   the table's 512 entries    $pt__tpa[L]   its address
#   $pt__ix[L]    next index to look at      $pt__end[L]   index to stop at
#   $pt__base[L]  address entry 0 maps       $pt__aw/au/ax/ars[L]  rights
#                                            and reserved bits above it
#
# and the table being walked is also in $pt__t (cheaper to index).
# $pt__sink says what a leaf is for: 0 the dump's ranges, 1 pt-ptov.

# Load the table at $arg0 as level $pt__l, whose entry 0 maps $pt__va
# (ignored at the top), under rights $pt__w/$pt__u/$pt__x and reserved
# bits $pt__rs from above; only the entries overlapping the range.
define pt--enter-table
  pt--read-table $arg0
  if $pt__l == $pt__top
    # The walk's first table gives the rows of $pt__tab their type.
    set $pt__tab = {$pt__t[0], $pt__t[0], $pt__t[0], $pt__t[0], $pt__t[0], $pt__t[0]}
  end
  set $pt__tab[$pt__l] = $pt__t[0]
  set $pt__tpa[$pt__l] = $arg0
  set $pt__base[$pt__l] = $pt__va
  set $pt__aw[$pt__l] = $pt__w, $pt__au[$pt__l] = $pt__u
  set $pt__ax[$pt__l] = $pt__x, $pt__ars[$pt__l] = $pt__rs
  set $pt__sh = 9 * $pt__l + 3
  if $pt__l == $pt__top
    # Sign-extended: entries 0..255 map the low half, 256..511 the high.
    set $pt__ix[$pt__l] = $pt__start <= $pt__lowmax ? $pt__start >> $pt__sh : \
      $pt__start < ~$pt__lowmax ? 256 : ($pt__start >> $pt__sh) & 511
    set $pt__end[$pt__l] = $pt__last <= $pt__lowmax ? ($pt__last >> $pt__sh) + 1 : \
      $pt__last < ~$pt__lowmax ? 256 : (($pt__last >> $pt__sh) & 511) + 1
  else
    set $pt__ix[$pt__l] = $pt__start > $pt__va ? ($pt__start - $pt__va) >> $pt__sh : 0
    set $pt__end[$pt__l] = (($pt__last - $pt__va) >> $pt__sh) >= 511 ? 512 : \
      (($pt__last - $pt__va) >> $pt__sh) + 1
  end
end

# $pt__i = the next present entry of the current table from $pt__ix, or
# $pt__e (its end) if none.
define pt--next-present
  set $pt__i = $pt__ix[$pt__l], $pt__e = $pt__end[$pt__l]
  while $pt__i < $pt__e && ($pt__t[0][$pt__i] & 1) == 0 && ($pt__i = $pt__i + 1)
  end
end

# pt-ptov in a PTE table: $pt__i = the next entry that maps frame
# $pt__want (present), or $pt__e.  The others cannot hold the address.
define pt--next-frame
  set $pt__i = $pt__ix[1], $pt__e = $pt__end[1]
  while $pt__i < $pt__e && ($pt__t[0][$pt__i] & $pt__wantmask) != $pt__want && \
    ($pt__i = $pt__i + 1)
  end
end

# Print one range line (ptdump's fmt_text_range): $pt__pva up to
# $pt__pend at $pt__ppa, with the columns it shares with its neighbours
# ready in $pt__rmid and $pt__rtail (see pt--dump-leaf).
define pt--print-range
  if $pt__pend - $pt__pva != $pt__szin
    pt--size $pt__pend-$pt__pva
  end
  printf "0x%016lx 0x%016lx  %6lu%c %s 0x%016lx%s\n", $pt__pva, $pt__pend, \
    $pt__szv, $pt__szc, $pt__rmid, $pt__ppa, $pt__rtail
end

# Print the range being built, if any.
define pt--flush
  if $pt__have
    set $pt__have = 0, $pt__nranges = $pt__nranges + 1, $pt__pva = $pt__rva, \
      $pt__pend = $pt__rlast + 1, $pt__ppa = $pt__rpa
    pt--print-range
  end
end

# A leaf for the dump: extend the range being built when it is contiguous
# in VA and PA with equal page size, flags, rights, memory type and
# reserved bits (ptdump's extends()); else print that one, start anew.
define pt--dump-leaf
  if $pt__have && $pt__rlast != ~0ULL && $pt__va == $pt__rlast + 1 && \
    $pt__addr == $pt__rpa + ($pt__va - $pt__rva) && $pt__psz == $pt__rpsz && \
    $pt__fl == $pt__rfl && $pt__w == $pt__rw && $pt__u == $pt__ru && \
    $pt__x == $pt__rx && $pt__mtid == $pt__rmtid && $pt__rs == $pt__rrs
    set $pt__rlast = $pt__va + ($pt__psz - 1)
  else
    pt--flush
    set $pt__have = 1, $pt__rva = $pt__va, $pt__rlast = $pt__va + ($pt__psz - 1), \
      $pt__rpa = $pt__addr, $pt__rpsz = $pt__psz, $pt__rfl = $pt__fl, \
      $pt__rw = $pt__w, $pt__ru = $pt__u, $pt__rx = $pt__x, \
      $pt__rmtid = $pt__mtid, $pt__rrs = $pt__rs
    # The columns of its line that the next ranges may share, printed
    # once into strings here (eval formats a command, and a string
    # literal in it becomes an array GDB keeps).
    pt--memtype-name $pt__mt
    pt--size $pt__psz
    eval "set $pt__rmid = \"%3lu%c r%c%c %-5s %c %-3s %c%c\"", \
      $pt__szv, $pt__szc, $pt__w ? 'w' : '-', $pt__x ? 'x' : '-', \
      $pt__u ? $pt__s_user : $pt__s_super, $pt__fl & 0x100 ? 'G' : '-', \
      $pt__name, $pt__fl & 0x20 ? 'A' : '-', $pt__fl & 0x40 ? 'D' : '-'
    if $pt__rs != 0
      eval "set $pt__rtail = \" RSVD=0x%lx\"", $pt__rs
    else
      set $pt__rtail = ""
    end
  end
  # A 4 KiB leaf without reserved bits of its own (each such is noted).
  if $pt__l == 1 && $pt__rsvd == 0
    pt--dump-run
  end
end

# The 4 KiB leaf $pt__i just went into the range.  The PTEs after it with
# the very same bits outside the address decode alike: each extends the
# range if it maps the next frame, else starts the next range, as ptdump
# would find one leaf at a time.  This is the hot loop of big dumps, so
# its work is in `while` conditions (parsed once, see the top).
define pt--dump-run
  set $pt__j = $pt__i + 1, $pt__e = $pt__end[1], \
    $pt__attr = $pt__raw & ~$pt__physmask, \
    $pt__n = $pt__rpa + ($pt__rlast - $pt__rva) + 1
  pt--dump-limit
  pt--dump-follow
  # Stopped at entry j: the range ends with entry j - 1.  If entry j has
  # the same bits but another frame, the range is printed and the next
  # one starts with entry j.  The condition ends with pt--dump-limit's
  # expression, inline: as a command it would be parsed once per range,
  # and cost more than the rest of the range.
  while ($pt__rlast = $pt__base[1] + ($pt__j << 12) - 1, \
      $pt__j < $pt__e && ($pt__t[0][$pt__j] & ~$pt__physmask) == $pt__attr) && \
    ($pt__nranges = $pt__nranges + 1, $pt__pva = $pt__rva, \
      $pt__pend = $pt__rlast + 1, $pt__ppa = $pt__rpa, \
      $pt__rva = $pt__rlast + 1, $pt__rlast = $pt__rva + 0xfff, \
      $pt__rpa = $pt__t[0][$pt__j] & $pt__physmask, $pt__j = $pt__j + 1, \
      $pt__n = $pt__rpa + 0x1000, $pt__nraw = $pt__attr | $pt__n, \
      $pt__lim = $pt__n > $pt__physmask ? 0 : \
        (($pt__physmask - $pt__n) >> 12) < $pt__e - $pt__j ? \
          $pt__j + (($pt__physmask - $pt__n) >> 12) + 1 : $pt__e, 1)
    pt--print-range
    pt--dump-follow
  end
  set $pt__ix[1] = $pt__j
end

# $pt__nraw = the PTE that maps frame $pt__n with the run's bits
# $pt__attr; $pt__lim = where such PTEs may go on: not past the table,
# nor past the top of physical memory (the frame number would carry into
# other bits).
define pt--dump-limit
  set $pt__nraw = $pt__attr | $pt__n, \
    $pt__lim = $pt__n > $pt__physmask ? 0 : \
      (($pt__physmask - $pt__n) >> 12) < $pt__e - $pt__j ? \
        $pt__j + (($pt__physmask - $pt__n) >> 12) + 1 : $pt__e
end

# Step $pt__j over the PTEs that map the range's next frames.
define pt--dump-follow
  while $pt__j < $pt__lim && $pt__t[0][$pt__j] == $pt__nraw && \
    ($pt__j = $pt__j + 1, $pt__nraw = $pt__nraw + 0x1000)
  end
end

# One present entry $pt__t[0][$pt__i] of the current table (walk_entry).
define pt--entry
  set $pt__raw = $pt__t[0][$pt__i], $pt__lv = $pt__l
  pt--decode
  set $pt__sh = 9 * $pt__l + 3
  if $pt__l == $pt__top
    set $pt__va = ($pt__i << $pt__sh) | ($pt__i >= 256 ? ~$pt__lowmax : 0)
  else
    set $pt__va = $pt__base[$pt__l] + ($pt__i << $pt__sh)
  end
  set $pt__w = $pt__aw[$pt__l] && ($pt__fl & 2)
  set $pt__u = $pt__au[$pt__l] && ($pt__fl & 4)
  set $pt__x = $pt__ax[$pt__l] && !($pt__fl & 0x400)
  set $pt__rs = $pt__ars[$pt__l] | $pt__rsvd
  if $pt__rsvd != 0 && $pt__sink == 0
    pt--flush
    pt--level-name $pt__l
    printf "! %s at 0x%lx = 0x%016lx has reserved bits 0x%lx: accesses to 0x%016lx+0x%lx fault\n", \
      $pt__name, $pt__tpa[$pt__l] + 8 * $pt__i, $pt__raw, $pt__rsvd, \
      $pt__va, 1ULL << $pt__sh
  end
  if !$pt__leaf
    # A table already on the path (levels L..top): a recursive slot,
    # walked on as the CPU would, one level lower each time.
    if $pt__sink == 0 && \
      (($pt__l <= 1 && $pt__tpa[1] == $pt__addr) || \
       ($pt__l <= 2 && $pt__tpa[2] == $pt__addr) || \
       ($pt__l <= 3 && $pt__tpa[3] == $pt__addr) || \
       ($pt__l <= 4 && $pt__tpa[4] == $pt__addr) || \
       ($pt__top == 5 && $pt__tpa[5] == $pt__addr))
      pt--flush
      pt--level-name $pt__l
      printf "# %s at 0x%lx points back to table 0x%lx (recursive): 0x%016lx+0x%lx maps tables\n", \
        $pt__name, $pt__tpa[$pt__l] + 8 * $pt__i, $pt__addr, $pt__va, \
        1ULL << $pt__sh
    end
    set $pt__l = $pt__l - 1
    pt--enter-table $pt__addr
  else
    if $pt__sink == 0
      pt--dump-leaf
    else
      if $pt__pa >= $pt__addr && $pt__pa - $pt__addr < $pt__psz
        printf "0x%016lx\n", $pt__va + ($pt__pa - $pt__addr)
        set $pt__nfound = $pt__nfound + 1
      end
    end
  end
end

# Walk [$pt__start, $pt__last] from the top table.  Needs pt--walk-ctx.
define pt--walk-range
  set $pt__tpa = {1ULL, 1ULL, 1ULL, 1ULL, 1ULL, 1ULL}
  set $pt__ix = {0ULL, 0ULL, 0ULL, 0ULL, 0ULL, 0ULL}
  set $pt__end = $pt__ix
  set $pt__base = $pt__ix
  set $pt__aw = $pt__ix
  set $pt__au = $pt__ix
  set $pt__ax = $pt__ix
  set $pt__ars = $pt__ix
  set $pt__l = $pt__top
  set $pt__va = 0ULL, $pt__w = 1, $pt__u = 1, $pt__x = 1, $pt__rs = 0ULL
  pt--enter-table $pt__root
  while $pt__l <= $pt__top
    if $pt__sink == 1 && $pt__l == 1
      pt--next-frame
    else
      pt--next-present
    end
    if $pt__i >= $pt__e
      # Done with this table: back to its parent's next entry.
      set $pt__l = $pt__l + 1
      if $pt__l <= $pt__top
        set $pt__t = {$pt__tab[$pt__l]}
      end
    else
      set $pt__ix[$pt__l] = $pt__i + 1
      pt--entry
    end
  end
end

# ---- pt-dump ------------------------------------------------------------

define pt-dump
  pt--begin
  set $pt__ok = $argc == 0 || $argc == 2 || $argc == 3
  if $argc >= 2
    set $pt__start = (unsigned long long) ($arg0)
    set $pt__last = (unsigned long long) ($arg1)
    # END is exclusive; 0 means the top of the address space.
    if $pt__last != 0 && $pt__last <= $pt__start
      set $pt__ok = 0
    end
    set $pt__last = $pt__last - 1
  else
    set $pt__start = 0ULL, $pt__last = ~0ULL
  end
  if !$pt__ok
    printf "usage: pt-dump [START END [CR3]]   (END exclusive, above START; 0 for the top)\n"
  else
    set $pt__cmd = "pt-dump"
    pt--walk-ctx
    if $pt__ok && $argc == 3
      # Another address space, as ptdump's --cr3.
      set $pt__root = (unsigned long long) ($arg2) & $pt__physmask
    end
    if $pt__ok
      pt--mode-name
      printf "# "
      if $pt__cpu >= 0
        printf "cpu %d, ", $pt__cpu
      end
      printf "cr3 0x%lx, %s paging\n", $pt__root, $pt__name
      if !$pt__wp
        printf "# CR0.WP=0: ring 0 ignores RW and may write the read-only pages too\n"
      end
      printf "# start            end                    size page rwx priv  G mem ad physical\n"
      set $pt__sink = 0, $pt__have = 0, $pt__nranges = 0
      # Typed now: GDB type-checks even the operands that && and || skip.
      set $pt__rva = 0ULL, $pt__rlast = 0ULL, $pt__rpa = 0ULL, \
        $pt__rpsz = 0ULL, $pt__rfl = 0ULL, $pt__rrs = 0ULL, $pt__rw = 0, \
        $pt__ru = 0, $pt__rx = 0, $pt__rmtid = 0, $pt__n = 0ULL, \
        $pt__nraw = 0ULL, $pt__lim = 0, $pt__attr = 0ULL, $pt__pva = 0ULL, \
        $pt__pend = 0ULL, $pt__ppa = 0ULL, $pt__rmid = "", $pt__rtail = ""
      pt--walk-range
      pt--flush
      if $pt__nranges == 0
        printf "# nothing mapped in this range\n"
      end
    end
  end
  pt--end
end
document pt-dump
Print the mapped ranges of the address space, as ptdump's `dump`.
Usage: pt-dump [START END [CR3]]

Without arguments, every address; else from START up to END (exclusive;
0 is the top).  With CR3, the tables of that address space instead of
the current one (ptdump's --cr3).  One line per range of pages
contiguous in virtual and physical addresses with the same page size,
flags, effective rights, memory type and reserved bits; '#' lines note
recursive slots, '!' lines reserved bits.  Set $pt_pat and
$pt_maxphyaddr as ptdump's `set pat` and `set maxphyaddr`.
end

# ---- pt-ptov ------------------------------------------------------------

define pt-ptov
  pt--begin
  if $argc != 1
    printf "usage: pt-ptov PA\n"
  else
    set $pt__pa = (unsigned long long) ($arg0)
    set $pt__cmd = "pt-ptov"
    pt--walk-ctx
    if $pt__ok
      set $pt__start = 0ULL, $pt__last = ~0ULL
      set $pt__sink = 1, $pt__nfound = 0
      # A PTE maps the address only if its frame holds it.
      set $pt__wantmask = $pt__physmask | 1
      set $pt__want = ($pt__pa & $pt__physmask) | 1
      pt--walk-range
      if $pt__nfound == 0
        printf "no virtual address maps 0x%lx\n", $pt__pa
      end
    end
  end
  pt--end
end
document pt-ptov
Print every virtual address that maps a physical address.
Usage: pt-ptov PA

One address a line, in ascending order, from a walk of every table
(recursive slots included, as the CPU would translate).
end

# Done loading: put `confirm` back as it was.
if $pt__confirm
  set confirm on
end
