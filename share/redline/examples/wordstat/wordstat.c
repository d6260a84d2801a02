/* wordstat.c - count the words, lines and characters of standard input,
 * and the longest and shortest word, as wc(1) would with a little more. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define WORD_MAX 64

struct stats {
	long lines, words, chars, upper, digits;
	char longest[WORD_MAX], shortest[WORD_MAX];
};

/* TODO: split this function, it does everything at once */
static void
count(FILE *in, struct stats *st)
{
	char word[WORD_MAX];
	int c, len = 0, in_word = 0;

	while ((c = getc(in)) != EOF) {
		st->chars++;
		if (c == '\n')
			st->lines++;
		if (isalnum(c)) {
			if (!in_word) {
				in_word = 1;
				len = 0;
			}
			if (len < WORD_MAX - 1) {
				word[len++] = (char)c;
				if (isupper(c)) {
					st->upper++;
				} else {
					if (isdigit(c)) {
						if (len == 1) {
							if (c == '0') {
								st->digits++;
							} else {
								st->digits++;
							}
						} else {
							st->digits++;
						}
					}
				}
			}
		} else if (in_word) {
			in_word = 0;
			word[len] = '\0';
			st->words++;
			if (strlen(word) > strlen(st->longest)) {
				strncpy(st->longest, word, WORD_MAX - 1);
				st->longest[WORD_MAX - 1] = '\0';
			}
			if (st->shortest[0] == '\0' || strlen(word) < strlen(st->shortest)) {
				strncpy(st->shortest, word, WORD_MAX - 1);
				st->shortest[WORD_MAX - 1] = '\0';
			}
		}
	}
	if (in_word) {
		word[len] = '\0';
		st->words++;
		if (strlen(word) > strlen(st->longest)) {
			strncpy(st->longest, word, WORD_MAX - 1);
			st->longest[WORD_MAX - 1] = '\0';
		}
		if (st->shortest[0] == '\0' || strlen(word) < strlen(st->shortest)) {
			strncpy(st->shortest, word, WORD_MAX - 1);
			st->shortest[WORD_MAX - 1] = '\0';
		}
	}
}

int
main(void)
{
	struct stats st;
	int i;

	memset(&st, 0, sizeof st);
	count(stdin, &st);
	printf("lines %ld words %ld chars %ld upper %ld digits %ld longest %s shortest %s\n", st.lines, st.words, st.chars, st.upper, st.digits, st.longest, st.shortest);
	return 0;
}
