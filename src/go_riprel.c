// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "go_riprel.h"
#include "target_addr.h"

#define REX_W_MASK 0xf8 /* 0100WRXB with W set: 0x48-0x4f */
#define REX_W 0x48
#define REX_R 0x04
#define OP_MOV_LOAD 0x8b    /* MOV r64, r/m64 */
#define MODRM_RIP_MASK 0xc7 /* mod and r/m bits */
#define MODRM_RIP 0x05	    /* mod 00, r/m 101: [rip + disp32] */
#define INSN_LEN 7	    /* REX, opcode, ModRM, disp32 */

int go_riprel_loads(const __u8 *code, size_t len, __u64 addr, struct go_riprel_load *loads, int max)
{
	size_t i = 0;
	int n = 0;
	__u64 end;

	/* code that would run past the top of the address space is no code */
	if (target_addr_add(addr, len, &end))
		return 0;
	while (n < max && i + INSN_LEN <= len) {
		__u64 next = addr + i + INSN_LEN, target;
		__s32 disp;

		if ((code[i] & REX_W_MASK) != REX_W || code[i + 1] != OP_MOV_LOAD ||
		    (code[i + 2] & MODRM_RIP_MASK) != MODRM_RIP) {
			i++;
			continue;
		}
		memcpy(&disp, code + i + 3, sizeof(disp));
		/* a displacement below 0 or past the top of the address space: not a variable */
		if (disp < 0 ? next < (__u64)-(__s64)disp : target_addr_add(next, disp, &target)) {
			i++;
			continue;
		}
		if (disp < 0)
			target = next - (__u64)-(__s64)disp;
		loads[n].insn_addr = addr + i;
		loads[n].target = target;
		loads[n].reg = ((code[i + 2] >> 3) & 7) | ((code[i] & REX_R) << 1);
		n++;
		i += INSN_LEN;
	}
	return n;
}
